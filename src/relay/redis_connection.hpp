// One synchronous hiredis connection, used by one thread at a time: commands,
// pipelines (append, then read the replies in order) and, for a subscriber,
// reading whatever arrived once poll() says its fd is readable.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "relay/redis_url.hpp"

namespace wzp::relay {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  /// Connects (within timeout), then every read and write has the same timeout;
  /// selects url.db. Errors: io (with the address and hiredis's reason).
  static Result<RedisConnection> connect(const RedisUrl& url, std::chrono::milliseconds timeout);

  /// Sends one command and waits for its reply. A Redis error is a reply of type
  /// REDIS_REPLY_ERROR; an error result means the connection is broken (io).
  Result<RedisReply> command(const std::vector<std::string_view>& args);
  /// Queues a command (sent by the next read_reply); read its reply in order.
  void append(const std::vector<std::string_view>& args);
  Result<RedisReply> read_reply();
  /// Subscriber: reads what the socket holds (read_socket: call it only when its
  /// fd is readable; else only what an earlier read left buffered) and moves
  /// every complete reply to out. Errors: io (closed or broken).
  Status read_available(std::vector<RedisReply>& out, bool read_socket = true);
  int fd() const noexcept { return ctx_ ? ctx_->fd : -1; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
  };
  explicit RedisConnection(redisContext* ctx) : ctx_(ctx) {}
  Error broken(const std::string& what) const;

  std::unique_ptr<redisContext, ContextDeleter> ctx_;
};

}  // namespace wzp::relay

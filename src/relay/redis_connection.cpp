#include "relay/redis_connection.hpp"

#include <sys/time.h>

namespace wzp::relay {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// hiredis takes argv as parallel arrays of pointers and lengths.
struct Argv {
  explicit Argv(const std::vector<std::string_view>& args) {
    ptrs.reserve(args.size());
    lens.reserve(args.size());
    for (auto a : args) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

}  // namespace

Result<RedisConnection> RedisConnection::connect(const RedisUrl& url, std::chrono::milliseconds timeout) {
  const std::string where = url.host + ":" + std::to_string(url.port);
  redisContext* raw = redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(timeout));
  if (raw == nullptr) return make_error(Errc::no_memory, "cannot allocate a Redis connection");
  RedisConnection conn(raw);
  if (raw->err != 0) return make_error(Errc::io, "cannot connect to Redis at " + where + ": " + raw->errstr);
  if (redisSetTimeout(raw, to_timeval(timeout)) != REDIS_OK) return conn.broken("setting its timeout");
  redisEnableKeepAlive(raw);
  if (url.db != 0) {
    const std::string db = std::to_string(url.db);
    auto reply = conn.command({"SELECT", db});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type == REDIS_REPLY_ERROR)
      return make_error(Errc::io, "Redis at " + where + " refused database " + db + ": " + (*reply)->str);
  }
  return conn;
}

Error RedisConnection::broken(const std::string& what) const {
  std::string reason = ctx_ && ctx_->err != 0 ? ctx_->errstr : "unknown error";
  return Error{Errc::io, "Redis connection failed " + what + ": " + reason};
}

Result<RedisReply> RedisConnection::command(const std::vector<std::string_view>& args) {
  Argv argv(args);
  void* reply = redisCommandArgv(ctx_.get(), argv.argc(), argv.ptrs.data(), argv.lens.data());
  if (reply == nullptr) return broken("in a command");
  return RedisReply(static_cast<redisReply*>(reply));
}

void RedisConnection::append(const std::vector<std::string_view>& args) {
  Argv argv(args);
  redisAppendCommandArgv(ctx_.get(), argv.argc(), argv.ptrs.data(), argv.lens.data());
}

Result<RedisReply> RedisConnection::read_reply() {
  void* reply = nullptr;
  if (redisGetReply(ctx_.get(), &reply) != REDIS_OK || reply == nullptr) return broken("reading a reply");
  return RedisReply(static_cast<redisReply*>(reply));
}

Status RedisConnection::read_available(std::vector<RedisReply>& out, bool read_socket) {
  if (read_socket && redisBufferRead(ctx_.get()) != REDIS_OK) return broken("reading");
  for (;;) {
    void* reply = nullptr;
    if (redisGetReplyFromReader(ctx_.get(), &reply) != REDIS_OK) return broken("parsing a reply");
    if (reply == nullptr) return {};
    out.emplace_back(static_cast<redisReply*>(reply));
  }
}

}  // namespace wzp::relay

// A host name lookup on a worker thread, so the client's loop never blocks on
// the system resolver. getaddrinfo cannot be cancelled: the worker is detached
// and, once the handle is destroyed, its result is dropped instead of delivered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "transport/socket_address.hpp"

namespace wzp::client {

using ResolveResult = Result<std::vector<transport::SocketAddress>>;
/// How a host is resolved (tests substitute their own).
using Resolver = std::function<ResolveResult(const std::string& host, uint16_t port)>;

class BackgroundResolve {
 public:
  using Deliver = std::function<void(ResolveResult)>;

  /// Starts resolving on a new detached thread; `deliver` runs on that thread with the
  /// result, unless this handle was destroyed first. Errors: internal (no thread).
  static Result<std::unique_ptr<BackgroundResolve>> start(Resolver resolver, std::string host, uint16_t port,
                                                          Deliver deliver);
  /// After it returns, `deliver` is not running and never will.
  ~BackgroundResolve();
  BackgroundResolve(const BackgroundResolve&) = delete;
  BackgroundResolve& operator=(const BackgroundResolve&) = delete;

  struct Shared;

 private:
  explicit BackgroundResolve(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
};

}  // namespace wzp::client

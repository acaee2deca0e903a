#include "client/background_resolve.hpp"

#include <mutex>
#include <system_error>
#include <thread>

namespace wzp::client {

// Outlives the handle when the lookup is slow: the worker holds it too.
struct BackgroundResolve::Shared {
  std::mutex mutex;
  Deliver deliver;  // reset when the handle goes away
};

Result<std::unique_ptr<BackgroundResolve>> BackgroundResolve::start(Resolver resolver, std::string host,
                                                                    uint16_t port, Deliver deliver) {
  auto shared = std::make_shared<Shared>();
  shared->deliver = std::move(deliver);
  try {
    std::thread([shared, resolver = std::move(resolver), host = std::move(host), port] {
      ResolveResult result = resolver(host, port);
      std::lock_guard lock(shared->mutex);
      if (shared->deliver) shared->deliver(std::move(result));
    }).detach();
  } catch (const std::system_error& e) {
    return make_error(Errc::internal, std::string("cannot start the name lookup thread: ") + e.what());
  }
  return std::unique_ptr<BackgroundResolve>(new BackgroundResolve(std::move(shared)));
}

BackgroundResolve::~BackgroundResolve() {
  std::lock_guard lock(shared_->mutex);  // waits for a delivery in progress
  shared_->deliver = nullptr;
}

}  // namespace wzp::client

// Clients sharing one event loop (wzp_loop): many clients, one thread; media between them; the
// loop is not freed under its clients; a client freed from another's callback on the same loop.
#include <dirent.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 15'000;

struct LoopOwner {
  wzp_loop* h = nullptr;
  ~LoopOwner() { wzp_loop_free(h); }
};

// This process's threads now.
size_t thread_count() {
  size_t n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (const dirent* entry = readdir(dir))
      if (entry->d_name[0] != '.') ++n;
    closedir(dir);
  }
  return n;
}

bool next_of_type(wzp_client* c, wzp_event_type type, wzp_event* ev) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (wzp_client_next_event(c, ev, 100) != WZP_OK) continue;
    if (ev->type == type) return true;
  }
  return false;
}

TEST(CapiLoop, ManyClientsShareOneThread) {
  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay);
  LoopOwner loop;
  ASSERT_EQ(wzp_loop_new(&loop.h), WZP_OK) << wzp_last_error();
  const size_t threads_before = thread_count();

  constexpr size_t kClients = 24;
  std::vector<ClientOwner> clients(kClients);
  for (auto& c : clients) {
    wzp_client_config config = loopback_client_config(port, "shared-loop");
    config.loop = loop.h;
    ASSERT_EQ(wzp_client_new(&config, &c.h), WZP_OK) << wzp_last_error();
    ASSERT_EQ(wzp_client_connect(c.h), WZP_OK);
  }
  for (auto& c : clients) ASSERT_EQ(wzp_client_wait_joined(c.h, kWaitMs), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_loop_client_count(loop.h), kClients);
  // A client of its own would add its loop thread: these add none.
  EXPECT_LT(thread_count(), threads_before + kClients / 4);

  // Media from one reaches another, both on the loop.
  wzp_media_header h{};
  h.codec = WZP_CODEC_OPUS16K;
  h.seq = 7;
  const std::string text = "over one loop";
  Bytes packet(WZP_MEDIA_HEADER_BYTES + text.size());
  size_t n = 0;
  ASSERT_EQ(wzp_media_packet_build(&h, reinterpret_cast<const uint8_t*>(text.data()), text.size(), nullptr,
                                   packet.data(), packet.size(), &n),
            WZP_OK);
  packet.resize(n);
  ASSERT_EQ(wzp_client_send_media(clients[0].h, packet.data(), packet.size()), WZP_OK);
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(clients[kClients - 1].h, WZP_EVENT_MEDIA, &ev));
  EXPECT_EQ(Bytes(ev.data, ev.data + ev.data_len), packet);
  wzp_event_clear(&ev);

  // Half of them hang up and go; the others stay joined on the loop.
  for (size_t i = 0; i < kClients / 2; ++i) {
    wzp_client_free(clients[i].h);
    clients[i].h = nullptr;
  }
  EXPECT_EQ(wzp_loop_client_count(loop.h), kClients - kClients / 2);
  for (size_t i = kClients / 2; i < kClients; ++i)
    EXPECT_EQ(wzp_client_get_state(clients[i].h), WZP_CLIENT_JOINED);
}

TEST(CapiLoop, IsNotFreedUnderItsClients) {
  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay);
  LoopOwner loop;
  ASSERT_EQ(wzp_loop_new(&loop.h), WZP_OK);
  ClientOwner client;
  wzp_client_config config = loopback_client_config(port, "shared-loop");
  config.loop = loop.h;
  ASSERT_EQ(wzp_client_new(&config, &client.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();

  wzp_loop_free(loop.h);  // refused: a client runs on it (logged; the loop stays)
  EXPECT_EQ(wzp_loop_client_count(loop.h), 1U);
  EXPECT_EQ(wzp_client_get_state(client.h), WZP_CLIENT_JOINED);
  wzp_client_free(client.h);
  client.h = nullptr;
  EXPECT_EQ(wzp_loop_client_count(loop.h), 0U);
  wzp_loop_free(loop.h);  // now it goes
  loop.h = nullptr;

  EXPECT_EQ(wzp_loop_new(nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_loop_free(nullptr);
  EXPECT_EQ(wzp_loop_client_count(nullptr), 0U);
}

// A client's callback frees another client of the same loop: it runs on that loop's thread.
struct FreeOnJoin {
  std::atomic<wzp_client*> victim{nullptr};
  std::atomic<bool> freed{false};
};

void free_victim_on_join(const wzp_event* event, void* user_data) {
  auto* state = static_cast<FreeOnJoin*>(user_data);
  if (event->type != WZP_EVENT_JOINED) return;
  if (wzp_client* victim = state->victim.exchange(nullptr)) {
    wzp_client_free(victim);
    state->freed = true;
  }
}

TEST(CapiLoop, AClientFreedFromAnotherClientsCallback) {
  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay);
  LoopOwner loop;
  ASSERT_EQ(wzp_loop_new(&loop.h), WZP_OK);

  wzp_client_config victim_config = loopback_client_config(port, "shared-loop");
  victim_config.loop = loop.h;
  wzp_client* victim = nullptr;
  ASSERT_EQ(wzp_client_new(&victim_config, &victim), WZP_OK);
  ASSERT_EQ(wzp_client_connect(victim), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(victim, kWaitMs), WZP_OK) << wzp_last_error();

  FreeOnJoin state;
  state.victim = victim;
  ClientOwner freer;
  wzp_client_config config = loopback_client_config(port, "shared-loop");
  config.loop = loop.h;
  config.callback = free_victim_on_join;
  config.user_data = &state;
  ASSERT_EQ(wzp_client_new(&config, &freer.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(freer.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(freer.h, kWaitMs), WZP_OK) << wzp_last_error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (!state.freed && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(state.freed);
  EXPECT_EQ(wzp_loop_client_count(loop.h), 1U);
  EXPECT_EQ(wzp_client_get_state(freer.h), WZP_CLIENT_JOINED);
}

}  // namespace
}  // namespace wzp_capi_test

// RoomKeys: the key exchange of an end-to-end encrypted room, between three or four members,
// each with its own FrameProtection, through a tiny in-memory relay that forwards their
// signals (to one member or to all others) and announces joins and leaves.
#include "e2e/room_keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/e2e_key_share.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/sender_key.hpp"
#include "wire/media_packet.hpp"

namespace wzp::e2e {
namespace {

namespace ks = crypto::e2e;
using Outgoing = RoomKeys::Outgoing;

constexpr std::string_view kRoom = "e2e-test-room";

crypto::Identity identity(uint8_t seed) {
  return crypto::Identity::from_seed(crypto::Seed::from_bytes(Bytes(32, seed)).value());
}
std::string fp_of(uint8_t seed) { return identity(seed).fingerprint().to_display(); }

RoomKeysConfig config_of(std::optional<std::set<std::string>> members, Policy policy = Policy::required) {
  RoomKeysConfig c;
  c.policy = policy;
  c.members = std::move(members);
  return c;
}

struct Frame {
  Bytes plain, sealed;
};

struct Member {
  Member(uint8_t seed, RoomKeysConfig config, std::string_view room = kRoom)
      : id(identity(seed)),
        fp(id.fingerprint().to_display()),
        protection(std::make_shared<FrameProtection>(config.policy)) {
    auto created = RoomKeys::create(id, room, std::move(config), protection);
    EXPECT_TRUE(created.ok());
    if (created) keys = std::move(*created);
  }

  // A media datagram from this member, protected.
  Frame frame() {
    wire::MediaHeader h;
    h.seq = next_seq++;
    h.timestamp = 960u * h.seq;
    Bytes payload(32);
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 29 + h.seq + fp.size());
    Frame f;
    f.plain = wire::encode_media_packet(wire::MediaPacket{h, payload, std::nullopt});
    f.sealed = f.plain;
    EXPECT_TRUE(protection->protect(f.sealed).ok());
    return f;
  }

  // Whether this member opens `f` (now, or once held frames are released).
  bool opens(const Frame& f) {
    Bytes scratch;
    auto r = protection->unprotect(1, f.sealed, scratch);
    if (r) return Bytes(r->begin(), r->end()) == f.plain;
    if (r.error().code != Errc::would_block) return false;
    for (auto& [source, plain] : protection->take_ready()) {
      if (plain == f.plain) return true;
    }
    return false;
  }

  std::optional<ParticipantKeys> keys_of(const Member& other) const {
    for (auto& p : protection->participants()) {
      if (p.fingerprint == other.fp) return p;
    }
    return std::nullopt;
  }

  crypto::Identity id;
  std::string fp;
  std::shared_ptr<FrameProtection> protection;
  std::unique_ptr<RoomKeys> keys;
  size_t hellos_in = 0, shares_in = 0;  // what the relay delivered to it
  uint16_t next_seq = 0;
};

// Forwards signals between the members present, as the relay's peer signals do.
class Relay {
 public:
  struct Message {
    std::string from;
    std::optional<std::string> to;
    Bytes data;
  };

  // The call starts with these members present.
  void start(const std::vector<Member*>& members) {
    present_ = members;
    for (Member* m : members) send(*m, m->keys->start(others(*m), now));
  }
  // The relay announces the newcomer to those present; the newcomer starts with them.
  void join(Member& m) {
    for (Member* p : present_) send(*p, p->keys->on_joined(m.fp, now));
    present_.push_back(&m);
    send(m, m.keys->start(others(m), now));
  }
  // A newcomer's connection is up and its Hello goes out, before the relay announces it.
  void arrive(Member& m) {
    present_.push_back(&m);
    send(m, m.keys->start(others(m), now));
  }
  void announce_joined(Member& m) {
    for (Member* p : present_) {
      if (p != &m) send(*p, p->keys->on_joined(m.fp, now));
    }
  }
  void leave(Member& m) {
    present_.erase(std::remove(present_.begin(), present_.end(), &m), present_.end());
    for (Member* p : present_) send(*p, p->keys->on_left(m.fp, now));
  }
  void send(const Member& from, std::vector<Outgoing> out) {
    for (auto& o : out) queue_.push_back(Message{from.fp, std::move(o.to), std::move(o.data)});
  }
  // Delivers everything queued (and what it causes) to the members present now.
  void deliver() {
    while (!queue_.empty()) {
      Message msg = std::move(queue_.front());
      queue_.pop_front();
      for (Member* r : present_) {
        if (r->fp == msg.from || (msg.to && *msg.to != r->fp)) continue;
        const auto type = ks::classify(msg.data);
        EXPECT_TRUE(type.has_value());
        if (type == ks::MessageType::hello) ++r->hellos_in;
        if (type == ks::MessageType::key_share) ++r->shares_in;
        std::vector<Outgoing> out;
        EXPECT_TRUE(r->keys->on_signal(msg.from, msg.data, now, out));
        send(*r, std::move(out));
      }
    }
  }
  const std::deque<Message>& queued() const { return queue_; }

  int64_t now = 1'000;

 private:
  std::vector<std::string> others(const Member& m) const {
    std::vector<std::string> out;
    for (const Member* p : present_) {
      if (p != &m) out.push_back(p->fp);
    }
    return out;
  }
  std::vector<Member*> present_;
  std::deque<Message> queue_;
};

// Every pair opens each other's frames.
void expect_all_open(const std::vector<Member*>& members) {
  for (Member* s : members) {
    const Frame f = s->frame();
    for (Member* r : members) {
      if (r == s) continue;
      EXPECT_TRUE(r->opens(f)) << "a frame of " << s->fp << " at " << r->fp;
    }
  }
}

// The key shares among a member's outgoing messages (its Hellos left out).
std::vector<Outgoing> key_shares(const std::vector<Outgoing>& out) {
  std::vector<Outgoing> shares;
  for (const auto& o : out) {
    if (ks::classify(o.data) == ks::MessageType::key_share) shares.push_back(o);
  }
  return shares;
}

std::set<std::string> fps(std::initializer_list<uint8_t> seeds) {
  std::set<std::string> out;
  for (uint8_t s : seeds) out.insert(fp_of(s));
  return out;
}

// ---------------------------------------------------------------- exchange

TEST(RoomKeys, EveryMemberHoldsEveryOthersKey) {
  const auto list = fps({1, 2, 3, 4});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list)), d(4, config_of(list));
  const std::vector<Member*> all{&a, &b, &c, &d};
  Relay relay;
  relay.start(all);
  relay.deliver();
  for (Member* m : all) {
    SCOPED_TRACE(m->fp);
    const auto st = m->keys->stats();
    EXPECT_GE(st.hellos_received, 3u);
    EXPECT_EQ(st.key_shares_sent, 3u);
    EXPECT_EQ(st.key_shares_received, 3u);
    EXPECT_EQ(st.refused + st.unauthorised + st.rotations + st.ratchets, 0u);
    EXPECT_EQ(m->shares_in, 3u);
    EXPECT_EQ(m->protection->participants().size(), 3u);
    for (Member* o : all) {
      if (o == m) continue;
      auto k = m->keys_of(*o);
      ASSERT_TRUE(k.has_value());
      EXPECT_EQ(k->state, KeyState::ok);
      EXPECT_EQ(k->kid, o->keys->send_kid());
      EXPECT_TRUE(m->keys->present().at(o->fp)) << "it sent a Hello";
    }
    EXPECT_EQ(m->protection->send_kid(), m->keys->send_kid());
  }
  expect_all_open(all);
  const auto words = a.keys->safety_words();
  EXPECT_EQ(words.size(), 5u);
  for (Member* m : all) EXPECT_EQ(m->keys->safety_words(), words);
}

TEST(RoomKeys, GhostGetsNoKeyAndItsKeysAreIgnored) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  Member ghost(9, config_of(std::nullopt));  // the relay added it; it would take anyone's key
  Relay relay;
  relay.start({&a, &b, &c, &ghost});
  relay.deliver();

  EXPECT_GE(ghost.hellos_in, 3u);
  EXPECT_EQ(ghost.shares_in, 0u) << "nobody gave the ghost a key";
  EXPECT_TRUE(ghost.protection->receive_prefixes().empty());
  for (Member* m : {&a, &b, &c}) {
    SCOPED_TRACE(m->fp);
    const auto st = m->keys->stats();
    EXPECT_GE(st.unauthorised, 2u) << "its Hello and its key share";
    EXPECT_EQ(st.key_shares_sent, 2u);
    EXPECT_EQ(st.key_shares_received, 2u);
    auto g = m->keys_of(ghost);
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->state, KeyState::unauthorised);
    EXPECT_FALSE(g->kid.has_value());
    EXPECT_FALSE(m->keys->authorised(ghost.fp));
    EXPECT_EQ(m->protection->receive_prefixes().count(ghost.fp), 0u);
  }
  for (Member* m : {&a, &b, &c}) {
    const Frame f = m->frame();
    EXPECT_FALSE(ghost.opens(f));
  }
  const Frame g = ghost.frame();
  for (Member* m : {&a, &b, &c}) EXPECT_FALSE(m->opens(g)) << "the ghost's key was ignored";
  expect_all_open({&a, &b, &c});
  EXPECT_EQ(a.keys->safety_words(), b.keys->safety_words());
  EXPECT_EQ(a.keys->safety_words(), c.keys->safety_words());

  // The ghost leaving holds none of our keys: no rotation.
  relay.leave(ghost);
  relay.deliver();
  for (Member* m : {&a, &b, &c}) EXPECT_EQ(m->keys->stats().rotations, 0u);
}

// ---------------------------------------------------------------- join, leave, removal

TEST(RoomKeys, JoinerGetsOnlyTheRatchetedKey) {
  const auto list = fps({1, 2, 3, 4});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list)), d(4, config_of(list));
  Relay relay;
  relay.start({&a, &b, &c});
  relay.deliver();
  const uint64_t kid_before = a.keys->send_kid();
  const Frame before = a.frame();  // sent before d joined
  const uint64_t b_shares = b.keys->stats().key_shares_received;

  relay.join(d);
  relay.deliver();
  EXPECT_EQ(a.keys->stats().ratchets, 1u);
  EXPECT_EQ(prefix_of(a.keys->send_kid()), prefix_of(kid_before));
  EXPECT_EQ(step_of(a.keys->send_kid()), step_of(kid_before) + 1);
  EXPECT_EQ(a.protection->send_kid(), a.keys->send_kid());
  EXPECT_EQ(d.keys_of(a).value().kid, a.keys->send_kid()) << "the joiner got the new step";
  EXPECT_EQ(b.keys->stats().key_shares_received, b_shares + 1) << "only d's key, no new one from a or c";
  EXPECT_EQ(a.keys->stats().key_shares_sent, 3u);

  EXPECT_FALSE(d.opens(before)) << "what a sent before the join stays closed to d";
  const Frame after = a.frame();
  EXPECT_TRUE(d.opens(after));
  EXPECT_TRUE(b.opens(after)) << "b derives the step itself";
  EXPECT_TRUE(c.opens(after));
  EXPECT_TRUE(b.opens(before)) << "and still opens the old step";
  expect_all_open({&a, &b, &c, &d});
  const auto words = a.keys->safety_words();
  for (Member* m : {&b, &c, &d}) EXPECT_EQ(m->keys->safety_words(), words);
}

// Regression (the defect was in src/e2e/room_keys.cpp, on_signal, lines 134-150): when a newcomer's Hello
// reaches a member before the relay's "joined" (the case the code handles: "Its Hello overtook the relay's
// joined"), the member shares its *current* key (the step everyone already used) and the later on_joined
// ratchets but does not share again (shared_prefix == key_.prefix). The newcomer thus holds the key of
// everything sent before it came (a relay can order the two at will). Expected: `before` does not open at d;
// actual: it opens.
TEST(RoomKeys, HelloBeforeJoinedStillGetsOnlyTheRatchetedKey) {
  const auto list = fps({1, 2, 4});
  Member a(1, config_of(list)), b(2, config_of(list)), d(4, config_of(list));
  Relay relay;
  relay.start({&a, &b});
  relay.deliver();
  const Frame before = a.frame();

  // d's Hello first: the relay forwards it before announcing the join.
  relay.arrive(d);
  relay.deliver();
  relay.announce_joined(d);
  relay.deliver();
  EXPECT_EQ(a.keys->stats().ratchets, 1u);
  const Frame after = a.frame();
  EXPECT_TRUE(b.opens(after));
  EXPECT_TRUE(d.opens(after));
  EXPECT_FALSE(d.opens(before)) << "d got the key a used before d came";
}

// Every authorised join ratchets our key one step, and a member holding it derives at most
// kMaxRatchetAhead (64) steps past the last step it saw. After more joins than that between two
// of our frames (a muted sender in a large room, an outage), the member asks for our key again
// (request_key: its Hello) and our answer is the current key.
TEST(RoomKeys, ManyJoinsBetweenTwoFramesHealWithAKeyRequest) {
  Member a(1, config_of(std::nullopt)), b(2, config_of(std::nullopt));
  Relay relay;
  relay.start({&a, &b});
  relay.deliver();
  EXPECT_TRUE(b.opens(a.frame()));
  for (uint8_t i = 0; i <= FrameProtection::kMaxRatchetAhead; ++i) {
    (void)a.keys->on_joined(fp_of(static_cast<uint8_t>(100 + i)), relay.now);  // joined, no Hello yet
  }
  EXPECT_EQ(a.keys->stats().ratchets, FrameProtection::kMaxRatchetAhead + 1u);
  EXPECT_FALSE(b.opens(a.frame())) << "65 steps ahead is beyond what b derives";
  relay.now += 2000;  // requests are answered at most once a second per member
  relay.send(b, b.keys->request_key(a.fp, relay.now));
  relay.deliver();
  EXPECT_TRUE(b.opens(a.frame())) << "a's current key did not reach b";
  EXPECT_TRUE(b.opens(a.frame()));
}

TEST(RoomKeys, LeaveRotatesAndTheDepartedCannotRead) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  Relay relay;
  relay.start({&a, &b, &c});
  relay.deliver();
  const uint64_t old_kid = a.keys->send_kid();
  const Frame in_flight = a.frame();

  relay.leave(c);
  EXPECT_EQ(a.keys->stats().rotations, 1u);
  EXPECT_EQ(b.keys->stats().rotations, 1u);
  EXPECT_NE(prefix_of(a.keys->send_kid()), prefix_of(old_kid));
  EXPECT_EQ(a.protection->send_kid(), a.keys->send_kid());
  EXPECT_FALSE(a.keys_of(c).has_value()) << "c's keys are dropped";
  // a's new key goes to b, marked as replacing the old one.
  size_t shares_to_b = 0;
  for (const auto& m : relay.queued()) {
    if (m.from != a.fp) continue;
    ASSERT_EQ(m.to, b.fp);
    auto share = ks::open_key_share(b.id, m.data, ks::room_context(kRoom));
    ASSERT_TRUE(share.ok()) << share.error().message;
    EXPECT_TRUE(share->replaces);
    EXPECT_EQ(share->kid, a.keys->send_kid());
    ++shares_to_b;
  }
  EXPECT_EQ(shares_to_b, 1u);
  relay.deliver();
  EXPECT_EQ(b.keys_of(a).value().kid, a.keys->send_kid());

  const Frame after = a.frame();
  EXPECT_TRUE(b.opens(after));
  EXPECT_TRUE(b.opens(in_flight)) << "frames sent before the rotation still open";
  EXPECT_FALSE(c.opens(after)) << "c still has a's old key: not enough";
  const Frame from_b = b.frame();
  EXPECT_FALSE(c.opens(from_b));
  EXPECT_TRUE(a.opens(from_b));
  EXPECT_EQ(a.keys->safety_words(), b.keys->safety_words());
}

TEST(RoomKeys, RemovedMemberCannotReadWhatFollows) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  Relay relay;
  relay.start({&a, &b, &c});
  relay.deliver();
  const uint64_t old_kid = a.keys->send_kid();

  relay.send(a, a.keys->set_members(fps({1, 2}), relay.now));
  EXPECT_EQ(a.keys->stats().rotations, 1u);
  EXPECT_NE(prefix_of(a.keys->send_kid()), prefix_of(old_kid));
  EXPECT_FALSE(a.keys->authorised(c.fp));
  ASSERT_TRUE(a.keys_of(c).has_value());
  EXPECT_EQ(a.keys_of(c).value().state, KeyState::unauthorised);
  relay.deliver();

  const Frame f = a.frame();
  EXPECT_TRUE(b.opens(f));
  EXPECT_FALSE(c.opens(f));
  // c's frames are no longer taken by a (b still lists c).
  const Frame fc = c.frame();
  EXPECT_FALSE(a.opens(fc));
  EXPECT_TRUE(b.opens(fc));
  EXPECT_EQ(c.shares_in, 2u) << "no new key for c";
}

// A member authorised while present: its Hello (kept while it was not authorised) gets our key,
// and our Hello asks for its own (answered once a second at most: the list changes later).
TEST(RoomKeys, AuthorisingAPresentMemberCompletesTheExchange) {
  Member a(1, config_of(fps({1, 2}))), b(2, config_of(fps({1, 2}))), g(9, config_of(std::nullopt));
  Relay relay;
  relay.start({&a, &b, &g});
  relay.deliver();
  ASSERT_FALSE(g.opens(a.frame()));
  relay.now += 2000;
  for (Member* m : {&a, &b}) relay.send(*m, m->keys->set_members(fps({1, 2, 9}), relay.now));
  relay.deliver();
  EXPECT_TRUE(a.keys->authorised(g.fp));
  EXPECT_TRUE(g.opens(a.frame())) << "g was authorised but got no key";
  EXPECT_TRUE(a.opens(g.frame())) << "g was authorised but its key was not taken";
}

// Regression (the defect was in src/e2e/room_keys.cpp, set_members lines 174-182, with on_signal lines
// 153-165): a key share is taken from any authorised `from`, whether or not that member is in members_ (its
// Hello or the relay's "joined" may never have come: the relay decides). set_members only
// revokes members found in members_, so such a member removed from the list keeps its key in
// the protection and its frames keep opening ("unauthorised: its keys are ignored").
// Expected: x's frames no longer open at a after the removal; actual: they open.
TEST(RoomKeys, RemovedMemberWhoseHelloNeverCameLosesItsKey) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), x(3, config_of(list));
  // The relay does not announce x to a and withholds x's Hello; x hears a's Hello.
  const auto ha = a.keys->start({b.fp}, 0);
  (void)x.keys->start({a.fp, b.fp}, 0);
  std::vector<Outgoing> x_out;
  ASSERT_TRUE(x.keys->on_signal(a.fp, ha[0].data, 0, x_out));
  const auto shares = key_shares(x_out);
  ASSERT_EQ(shares.size(), 1u);
  std::vector<Outgoing> out;
  ASSERT_TRUE(a.keys->on_signal(x.fp, shares[0].data, 0, out));
  EXPECT_EQ(a.keys->stats().key_shares_received, 1u);
  ASSERT_TRUE(a.opens(x.frame()));

  (void)a.keys->set_members(fps({1, 2}), 0);
  EXPECT_FALSE(a.keys->authorised(x.fp));
  EXPECT_FALSE(a.opens(x.frame())) << "x is off the list but its key still opens its frames";
  EXPECT_EQ(a.protection->receive_prefixes().count(x.fp), 0u);
}

// ---------------------------------------------------------------- forged and misrouted

TEST(RoomKeys, MessagesFromAnotherSignerOrRoomAreRefused) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  const auto ha = a.keys->start({b.fp, c.fp}, 0), hb = b.keys->start({a.fp, c.fp}, 0),
             hc = c.keys->start({a.fp, b.fp}, 0);
  ASSERT_EQ(ha.size(), 1u);
  ASSERT_EQ(hb.size(), 1u);
  ASSERT_EQ(hc.size(), 1u);
  const auto words = a.keys->safety_words();

  // c's Hello delivered as if from b.
  std::vector<Outgoing> out;
  EXPECT_TRUE(a.keys->on_signal(b.fp, hc[0].data, 0, out));
  EXPECT_TRUE(out.empty()) << "no key for a forged Hello";
  EXPECT_EQ(a.keys->stats().refused, 1u);
  EXPECT_EQ(a.keys->stats().hellos_received, 0u);
  EXPECT_EQ(a.keys->stats().key_shares_sent, 0u);

  // b's key share for a, delivered as if from c.
  std::vector<Outgoing> b_out;
  ASSERT_TRUE(b.keys->on_signal(a.fp, ha[0].data, 0, b_out));
  b_out = key_shares(b_out);
  ASSERT_EQ(b_out.size(), 1u);
  ASSERT_EQ(b_out[0].to, a.fp);
  const Bytes share_b_to_a = b_out[0].data;
  out.clear();
  EXPECT_TRUE(a.keys->on_signal(c.fp, share_b_to_a, 0, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(a.keys->stats().refused, 2u);
  EXPECT_EQ(a.keys->stats().key_shares_received, 0u);
  EXPECT_TRUE(a.protection->participants().empty()) << "no key taken";
  // The same share at c (addressed to a): refused.
  out.clear();
  EXPECT_TRUE(c.keys->on_signal(b.fp, share_b_to_a, 0, out));
  EXPECT_EQ(c.keys->stats().refused, 1u);
  EXPECT_TRUE(c.protection->participants().empty());

  // The same identities in another room: their Hello and key share are refused here.
  Member a2(1, config_of(list), "another-room"), b2(2, config_of(list), "another-room");
  const auto ha2 = a2.keys->start({b2.fp}, 0), hb2 = b2.keys->start({a2.fp}, 0);
  std::vector<Outgoing> b2_out;
  ASSERT_TRUE(b2.keys->on_signal(a2.fp, ha2[0].data, 0, b2_out));
  b2_out = key_shares(b2_out);
  ASSERT_EQ(b2_out.size(), 1u);
  out.clear();
  EXPECT_TRUE(a.keys->on_signal(b.fp, hb2[0].data, 0, out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(a.keys->on_signal(b.fp, b2_out[0].data, 0, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(a.keys->stats().refused, 4u);
  EXPECT_TRUE(a.protection->participants().empty());
  EXPECT_EQ(a.keys->safety_words(), words) << "refused messages change nothing";

  // Not an end-to-end message at all: left to the application.
  const Bytes app_signal{'h', 'i'};
  EXPECT_FALSE(a.keys->on_signal(b.fp, app_signal, 0, out));
  EXPECT_EQ(a.keys->stats().refused, 4u);

  // The genuine ones still work.
  out.clear();
  EXPECT_TRUE(a.keys->on_signal(b.fp, share_b_to_a, 0, out));
  EXPECT_EQ(a.keys->stats().key_shares_received, 1u);
  EXPECT_EQ(a.keys_of(b).value().kid, b.keys->send_kid());
  EXPECT_TRUE(a.keys->on_signal(b.fp, hb[0].data, 0, out));
  out = key_shares(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, b.fp);
}

// Regression (the defect was in src/e2e/frame_protection.cpp, add_receive_key, lines 286-291, reached from
// room_keys.cpp on_signal line 160): key shares carry no freshness, so the relay can deliver
// a signed share again. A replayed share with `replaces` (every share after a rotation) adds
// another epoch for the same KID with an empty replay window; after kEpochsPerSender replays
// the original epoch is gone and frames already received open again. Expected: the replayed
// frame is refused; actual: it opens.
TEST(RoomKeys, ReplayedKeyShareDoesNotReopenTheReplayWindow) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  Relay relay;
  relay.start({&a, &b, &c});
  relay.deliver();
  relay.leave(c);  // a rotates: its share to b replaces
  std::optional<Bytes> recorded;
  for (const auto& m : relay.queued()) {
    if (m.from == a.fp) recorded = m.data;
  }
  ASSERT_TRUE(recorded.has_value());
  relay.deliver();
  const Frame f = a.frame();
  ASSERT_TRUE(b.opens(f));
  ASSERT_FALSE(b.opens(f)) << "a replayed frame is refused before the share comes again";
  for (size_t i = 0; i < FrameProtection::kEpochsPerSender; ++i) {
    std::vector<Outgoing> out;
    EXPECT_TRUE(b.keys->on_signal(a.fp, *recorded, relay.now, out));
  }
  EXPECT_FALSE(b.opens(f)) << "a replayed frame opened after the key share was replayed";
}

// ---------------------------------------------------------------- safety words

TEST(RoomKeys, SafetyWordsAgreeAgainAfterARotation) {
  const auto list = fps({1, 2, 3});
  Member a(1, config_of(list)), b(2, config_of(list)), c(3, config_of(list));
  Relay relay;
  relay.start({&a, &b, &c});
  const auto lonely = a.keys->safety_words();
  relay.deliver();
  const auto words = a.keys->safety_words();
  EXPECT_NE(words, lonely) << "the words cover the keys held";
  EXPECT_EQ(b.keys->safety_words(), words);
  EXPECT_EQ(c.keys->safety_words(), words);

  relay.leave(c);
  relay.deliver();
  const auto after = a.keys->safety_words();
  EXPECT_EQ(b.keys->safety_words(), after);
  EXPECT_NE(after, words);
}

// ---------------------------------------------------------------- policy preferred

TEST(RoomKeys, PreferredGoesClearForAMemberWithoutHelloAndBack) {
  Member a(1, config_of(std::nullopt, Policy::preferred)), b(2, config_of(std::nullopt, Policy::preferred));
  const auto grace = RoomKeysConfig{}.hello_grace_ms;
  const int64_t joined = 1'000;
  (void)a.keys->start({b.fp}, joined);
  EXPECT_FALSE(a.keys->poll(joined + grace - 1));
  EXPECT_FALSE(a.protection->sending_clear());
  EXPECT_TRUE(a.keys->clear_reason().empty());

  EXPECT_TRUE(a.keys->poll(joined + grace));
  EXPECT_TRUE(a.protection->sending_clear());
  EXPECT_NE(a.keys->clear_reason().find(b.fp), std::string::npos);
  ASSERT_TRUE(a.keys_of(b).has_value());
  EXPECT_EQ(a.keys_of(b).value().state, KeyState::clear);
  EXPECT_FALSE(a.keys->present().at(b.fp));
  Frame clear = a.frame();
  EXPECT_EQ(clear.sealed, clear.plain) << "sent clear";
  EXPECT_EQ(a.protection->counters().sent_clear, 1u);
  EXPECT_FALSE(a.keys->poll(joined + grace + 500)) << "no change";

  // b's Hello arrives late: a shares its key, and media go encrypted again.
  const auto hb = b.keys->start({a.fp}, joined + grace + 600);
  std::vector<Outgoing> out;
  ASSERT_TRUE(a.keys->on_signal(b.fp, hb[0].data, joined + grace + 600, out));
  out = key_shares(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(a.keys->present().at(b.fp));
  EXPECT_TRUE(a.keys->poll(joined + grace + 700));
  EXPECT_FALSE(a.protection->sending_clear());
  EXPECT_TRUE(a.keys->clear_reason().empty());
  const Frame enc = a.frame();
  EXPECT_EQ(enc.sealed[kEncryptedMarkerOffset], kEncryptedMarker);
  std::vector<Outgoing> ignored;
  ASSERT_TRUE(b.keys->on_signal(a.fp, out[0].data, joined + grace + 700, ignored));
  EXPECT_TRUE(b.opens(enc));
}

TEST(RoomKeys, RequiredNeverGoesClear) {
  Member a(1, config_of(std::nullopt, Policy::required)), b(2, config_of(std::nullopt, Policy::required));
  (void)a.keys->start({b.fp}, 0);
  EXPECT_FALSE(a.keys->poll(1'000'000));
  EXPECT_FALSE(a.protection->sending_clear());
  const Frame f = a.frame();
  EXPECT_EQ(f.sealed[kEncryptedMarkerOffset], kEncryptedMarker);
}

}  // namespace
}  // namespace wzp::e2e

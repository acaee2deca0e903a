import wzp

alice, relay = wzp.Identity.generate(), wzp.Identity.generate()
caller, callee = wzp.Caller(alice), wzp.Callee(relay)
answer, relay_session = callee.accept_offer(caller.offer_json())
alice_session = caller.accept_answer(answer)

header = wzp.MediaHeader(codec=0, seq=1, timestamp=20).encode()
sealed = alice_session.seal(header, 1, b"20 ms of opus")
assert relay_session.open(header, 1, sealed) == b"20 ms of opus"
print("room 'general' ->", wzp.hash_room_name("general"))
print("relay sees caller", wzp.fingerprint_format(relay_session.peer_fingerprint))

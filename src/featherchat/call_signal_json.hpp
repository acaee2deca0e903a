// JSON forms for applications that do not speak bincode (the C ABI and Python hand CallSignals
// around as JSON text; featherChat's own wire form stays encode_bincode):
//
//   CallSignal  {"id":"...","sender_fingerprint":"...","signal_type":"Offer","payload":"...","target":"..."}
//               signal_type is a name of call_signal_type.hpp, payload the CallPayload JSON text
//   CallRecord  {"call_id","direction","peer","relay_addr","room","state","end","ended_here",
//                "detail","offered_ms","answered_ms","active_ms","ended_ms"}
//               (relay_addr and room may be null; the times are -1 when the call never got there)
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "featherchat/call_record.hpp"
#include "featherchat/call_signal.hpp"

namespace wzp::featherchat {

std::string encode_call_signal_json(const CallSignal& message);
/// Errors: Errc::json naming the member (not an object, a missing or mistyped member, an unknown
/// signal_type). Unknown members are ignored. Fingerprints and the payload are checked by
/// open_signal, not here.
Result<CallSignal> decode_call_signal_json(std::string_view text);

std::string encode_call_record_json(const CallRecord& call);

}  // namespace wzp::featherchat

/* A C99 walk through the libwzp ABI: identities, the CallOffer/CallAnswer handshake and
 * a media packet sealed by one side and opened by the other. Exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>
#include <wzp.h>

#define CHECK(call)                                                                        \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != WZP_OK) {                                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, wzp_strerror(rc_), wzp_last_error()); \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

int main(void) {
  static const char* mnemonic =
      "abandon amount liar amount expire adjust cage candy arch gather drum bullet "
      "absurd math era live bid rhythm alien crouch range attend journey unaware";
  wzp_identity *caller_id = NULL, *callee_id = NULL;
  wzp_caller* caller = NULL;
  wzp_callee* callee = NULL;
  wzp_session *caller_session = NULL, *callee_session = NULL;
  char *offer = NULL, *answer = NULL;
  char fp[WZP_FINGERPRINT_STR_LEN + 1];

  CHECK(wzp_identity_from_mnemonic(mnemonic, &caller_id));
  CHECK(wzp_identity_new_random(&callee_id));
  CHECK(wzp_identity_fingerprint_str(caller_id, fp, sizeof fp));
  if (strcmp(fp, "6871:1211:0e91:ecb3:09f6:6f51:d257:ccaa") != 0) {
    fprintf(stderr, "unexpected fingerprint %s\n", fp);
    return 1;
  }

  CHECK(wzp_caller_new(caller_id, NULL, &caller));
  CHECK(wzp_callee_new(callee_id, NULL, &callee));
  CHECK(wzp_caller_offer_json(caller, &offer));
  CHECK(wzp_callee_accept_offer(callee, offer, strlen(offer), &answer, &callee_session));
  CHECK(wzp_caller_accept_answer(caller, answer, strlen(answer), &caller_session));

  wzp_media_header h;
  memset(&h, 0, sizeof h);
  h.codec = WZP_CODEC_OPUS24K;
  h.seq = 7;
  h.timestamp = 140;
  uint8_t header[WZP_MEDIA_HEADER_BYTES], sealed[64], opened[64];
  size_t sealed_len = 0, opened_len = 0;
  const char* audio = "twenty ms of opus";
  CHECK(wzp_media_header_encode(&h, header));
  CHECK(wzp_session_seal(caller_session, header, sizeof header, h.seq, (const uint8_t*)audio, strlen(audio),
                         sealed, sizeof sealed, &sealed_len));
  CHECK(wzp_session_open(callee_session, header, sizeof header, h.seq, sealed, sealed_len, opened,
                         sizeof opened, &opened_len));
  if (opened_len != strlen(audio) || memcmp(opened, audio, opened_len) != 0) {
    fprintf(stderr, "payload mismatch\n");
    return 1;
  }
  /* The same packet again is a replay. */
  int rc = wzp_session_open(callee_session, header, sizeof header, h.seq, sealed, sealed_len, opened,
                            sizeof opened, &opened_len);
  if (rc != WZP_ERR_REPLAY) {
    fprintf(stderr, "replay not detected: %s\n", wzp_strerror(rc));
    return 1;
  }
  printf("c example: handshake ok (profile %s), media sealed and opened, replay refused\n",
         wzp_session_profile(caller_session));

  wzp_free(offer);
  wzp_free(answer);
  wzp_session_free(caller_session);
  wzp_session_free(callee_session);
  wzp_caller_free(caller);
  wzp_callee_free(callee);
  wzp_identity_free(caller_id);
  wzp_identity_free(callee_id);
  return 0;
}

/*
 * wzp.h — the libwzp C ABI (WarzonePhone voice protocol SDK).
 *
 * This is the only public header. It is valid C99 and C++.
 *
 * Conventions
 * -----------
 *  - Every fallible call returns an int status: WZP_OK (0) or a negative WZP_ERR_* code.
 *    wzp_strerror(code) gives the code's name; wzp_last_error() gives a detail message for
 *    the last failing call made *on the calling thread* (thread-local; valid until the next
 *    failing call on that thread).
 *  - Objects are opaque handles created by wzp_X_new/from_... and released by wzp_X_free
 *    (free functions accept NULL). On failure every `T** out` argument is set to NULL.
 *  - Struct versioning: config, stats and event structs begin with `size_t struct_size`, and
 *    new fields are only ever added at their end. wzp_X_init(s) is a macro that passes
 *    sizeof(*s) to wzp_X_init_sized(), which fills the defaults and sets struct_size; every
 *    call then reads and writes only the first struct_size bytes (fields past a shorter,
 *    older struct take their defaults; fields a newer header added that the library does not
 *    know are ignored on input and zeroed on output). So a program built against an older
 *    header keeps working with a newer library and is never written past its structs.
 *    FFIs call wzp_X_init_sized with their struct's size. The pre-0.3.0 symbols
 *    wzp_X_config_init / wzp_event_init stay exported for binaries built before 0.3.0 and
 *    write only the 0.1.0 layout (a 0.2.0 binary's fields added in 0.2.0 are then ignored
 *    until it is rebuilt: see docs/API.md, "Struct versioning").
 *  - Buffers are caller-owned with explicit lengths. Anything the library allocates for the
 *    caller (strings, byte buffers) is released with wzp_free().
 *  - Fixed sizes are exported as macros and as functions (for FFIs).
 *  - Threading: unless a function says otherwise, distinct handles may be used from distinct
 *    threads concurrently, and one handle must not be used from two threads at once.
 *    Identity handles are immutable after creation and may be shared between threads for
 *    read-only calls. Relays and clients are the exception: their calls are thread-safe
 *    (see "Threading" at wzp_relay and wzp_client).
 *  - No C++ exception ever crosses this ABI; out-of-memory is reported as WZP_ERR_NO_MEMORY.
 */
#ifndef WZP_H
#define WZP_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define WZP_API __declspec(dllexport)
#else
#define WZP_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Version                                                                    */
/* ------------------------------------------------------------------------- */

#define WZP_VERSION_MAJOR 0
#define WZP_VERSION_MINOR 10
#define WZP_VERSION_PATCH 0
#define WZP_VERSION_STRING "0.10.0"

/** The library's version string, e.g. "0.8.0". Never NULL. Thread-safe. */
WZP_API const char* wzp_version(void);
/** The version as (MAJOR << 16) | (MINOR << 8) | PATCH. Thread-safe. */
WZP_API uint32_t wzp_version_number(void);

/* ------------------------------------------------------------------------- */
/* Status codes                                                               */
/* ------------------------------------------------------------------------- */

enum wzp_status {
  WZP_OK = 0,
  WZP_ERR_INVALID_ARGUMENT = -1, /* NULL where a value is required, bad enum, bad length */
  WZP_ERR_BUFFER_TOO_SMALL = -2, /* output buffer too small; *out_len holds the size needed */
  WZP_ERR_NO_MEMORY = -3,
  WZP_ERR_INTERNAL = -4,      /* a bug or an unexpected library failure */
  WZP_ERR_INVALID_STATE = -5, /* call not valid in the object's current state */
  WZP_ERR_TIMEOUT = -6,
  WZP_ERR_WOULD_BLOCK = -7, /* nothing available right now (non-blocking calls) */
  WZP_ERR_NOT_FOUND = -8,
  WZP_ERR_IO = -9,              /* file or socket error */
  WZP_ERR_INVALID_HEX = -10,    /* odd length or a non-hex character */
  WZP_ERR_INVALID_LENGTH = -11, /* decoded value has the wrong length (e.g. seed != 32 bytes) */
  WZP_ERR_MNEMONIC_WORD_COUNT = -12,
  WZP_ERR_MNEMONIC_UNKNOWN_WORD = -13,
  WZP_ERR_MNEMONIC_CHECKSUM = -14,
  WZP_ERR_MNEMONIC_ENTROPY_LENGTH = -15, /* valid BIP39 but not 24 words */
  WZP_ERR_FINGERPRINT_TOO_SHORT = -16,
  WZP_ERR_BAD_SIGNATURE = -20,      /* a handshake signature did not verify */
  WZP_ERR_WEAK_KEY = -21,           /* low-order / all-zero Diffie-Hellman result */
  WZP_ERR_UNEXPECTED_MESSAGE = -22, /* a valid signal, but not the one expected now */
  WZP_ERR_DECRYPT_FAILED = -30,     /* bad key, tampered data or wrong header */
  WZP_ERR_REPLAY = -31,             /* duplicate or too old media packet */
  WZP_ERR_REKEY_FAILED = -32,
  WZP_ERR_MALFORMED = -40, /* a binary wire structure does not parse */
  WZP_ERR_JSON = -41,      /* a signal's JSON is not a valid SignalMessage */
  WZP_ERR_TOO_LARGE = -42, /* over a size cap (signal 1 MiB, datagram size) */
  WZP_ERR_TRANSPORT = -50,
  WZP_ERR_TLS = -51,
  WZP_ERR_CLOSED = -52, /* the connection or object is closed */
  WZP_ERR_AUTH_REJECTED = -60,
  WZP_ERR_AUTH_UNAVAILABLE = -61,
  WZP_ERR_ACL_DENIED = -62,
  WZP_ERR_ROOM_FULL = -63,
  WZP_ERR_HANDSHAKE_FAILED = -64,
  WZP_ERR_SERVER_FULL = -65, /* the relay holds its maximum of sessions (WZP_CLOSE_SERVER_FULL) */
  WZP_ERR_NOT_SUPPORTED = -70 /* the operation does not exist for this codec or mode */
};

/** The code's stable name, e.g. "WZP_ERR_BAD_SIGNATURE"; "WZP_ERR_UNKNOWN" for unknown codes.
 *  Never NULL; static storage. Thread-safe. */
WZP_API const char* wzp_strerror(int code);
/** Detail message of the last failing call on this thread ("" if none). Thread-local storage,
 *  valid until the next failing call on this thread. */
WZP_API const char* wzp_last_error(void);
/** Release memory the library allocated for the caller. NULL is ignored. Thread-safe. */
WZP_API void wzp_free(void* ptr);

/* ------------------------------------------------------------------------- */
/* Sizes                                                                      */
/* ------------------------------------------------------------------------- */

#define WZP_SEED_BYTES 32
#define WZP_PUBLIC_KEY_BYTES 32
#define WZP_SIGNATURE_BYTES 64
#define WZP_FINGERPRINT_BYTES 16
#define WZP_FINGERPRINT_STR_LEN 39 /* "xxxx:xxxx:...": 39 characters, plus NUL = 40 */
#define WZP_ROOM_HASH_LEN 32       /* lowercase hex characters, plus NUL = 33 */
#define WZP_SESSION_KEY_BYTES 32
#define WZP_SESSION_ID_BYTES 4
#define WZP_AEAD_TAG_BYTES 16
#define WZP_MEDIA_HEADER_BYTES 12
#define WZP_QUALITY_REPORT_BYTES 4
#define WZP_MAX_SIGNAL_BYTES 1048576   /* largest signal JSON a peer accepts */
#define WZP_MAX_PEER_SIGNAL_BYTES 8192 /* largest payload of wzp_client_send_peer_signal */

/* The sizes above as functions (for FFIs that cannot read macros). All are thread-safe. */
/** WZP_SEED_BYTES (32). */
WZP_API size_t wzp_seed_bytes(void);
/** WZP_PUBLIC_KEY_BYTES (32). */
WZP_API size_t wzp_public_key_bytes(void);
/** WZP_SIGNATURE_BYTES (64). */
WZP_API size_t wzp_signature_bytes(void);
/** WZP_FINGERPRINT_BYTES (16). */
WZP_API size_t wzp_fingerprint_bytes(void);
/** WZP_FINGERPRINT_STR_LEN (39, without the NUL). */
WZP_API size_t wzp_fingerprint_str_len(void);
/** WZP_ROOM_HASH_LEN (32, without the NUL). */
WZP_API size_t wzp_room_hash_len(void);
/** WZP_SESSION_KEY_BYTES (32). */
WZP_API size_t wzp_session_key_bytes(void);
/** WZP_AEAD_TAG_BYTES (16). */
WZP_API size_t wzp_aead_tag_bytes(void);
/** WZP_MEDIA_HEADER_BYTES (12). */
WZP_API size_t wzp_media_header_bytes(void);
/** WZP_MAX_SIGNAL_BYTES (1 MiB). */
WZP_API size_t wzp_max_signal_bytes(void);
/** WZP_MAX_PEER_SIGNAL_BYTES (8192), the largest payload of wzp_client_send_peer_signal. */
WZP_API size_t wzp_max_peer_signal_bytes(void);

/* ------------------------------------------------------------------------- */
/* Identity                                                                   */
/* ------------------------------------------------------------------------- */

/** An identity: a 32-byte seed and the Ed25519 / X25519 keys derived from it (featherChat's
 *  derivation: the same seed or mnemonic gives the same keys and fingerprint). Secrets are
 *  wiped when the handle is freed. Immutable: safe to share between threads. */
typedef struct wzp_identity wzp_identity;

/** A new identity from 32 random bytes of the OS CSPRNG. Errors: INVALID_ARGUMENT, NO_MEMORY. */
WZP_API int wzp_identity_new_random(wzp_identity** out);
/** From a raw 32-byte seed. Errors: INVALID_ARGUMENT (NULL). */
WZP_API int wzp_identity_from_seed(const uint8_t seed[WZP_SEED_BYTES], wzp_identity** out);
/** From 64 hex digits (no prefix, no separators, either case).
 *  Errors: INVALID_HEX (odd length, bad character), INVALID_LENGTH (not 32 bytes). */
WZP_API int wzp_identity_from_hex(const char* hex, wzp_identity** out);
/** From a 24-word BIP39 English mnemonic (NFKD-normalised, any Unicode white space between words).
 *  Errors: MNEMONIC_WORD_COUNT, MNEMONIC_UNKNOWN_WORD, MNEMONIC_CHECKSUM,
 *  MNEMONIC_ENTROPY_LENGTH (a valid 12..21-word mnemonic), INVALID_ARGUMENT (not UTF-8). */
WZP_API int wzp_identity_from_mnemonic(const char* words, wzp_identity** out);
/** Release an identity and wipe its secrets. NULL is ignored. */
WZP_API void wzp_identity_free(wzp_identity* identity);

/** Copy out the seed (a secret: wipe it when done). */
WZP_API int wzp_identity_seed(const wzp_identity* identity, uint8_t out[WZP_SEED_BYTES]);
/** Ed25519 identity public key. */
WZP_API int wzp_identity_public_key(const wzp_identity* identity, uint8_t out[WZP_PUBLIC_KEY_BYTES]);
/** X25519 static public key (featherChat compatibility; calls use ephemeral keys). */
WZP_API int wzp_identity_x25519_public_key(const wzp_identity* identity, uint8_t out[WZP_PUBLIC_KEY_BYTES]);
/** Fingerprint: SHA-256(Ed25519 public key)[0..16]. */
WZP_API int wzp_identity_fingerprint(const wzp_identity* identity, uint8_t out[WZP_FINGERPRINT_BYTES]);
/** Fingerprint display form "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx" into buf (>= 40 bytes).
 *  Errors: BUFFER_TOO_SMALL. */
WZP_API int wzp_identity_fingerprint_str(const wzp_identity* identity, char* buf, size_t buf_len);
/** The 24-word mnemonic of the seed, allocated; release with wzp_free. It is a secret and wzp_free
 *  does not wipe: overwrite it (e.g. explicit_bzero) before freeing. */
WZP_API int wzp_identity_mnemonic(const wzp_identity* identity, char** out);
/** Ed25519-sign msg with the identity key (deterministic, RFC 8032). */
WZP_API int wzp_identity_sign(const wzp_identity* identity, const uint8_t* msg, size_t msg_len,
                              uint8_t sig[WZP_SIGNATURE_BYTES]);
/** Verify an Ed25519 signature (libsodium's strict rules). Returns WZP_OK or WZP_ERR_BAD_SIGNATURE. */
WZP_API int wzp_verify(const uint8_t public_key[WZP_PUBLIC_KEY_BYTES], const uint8_t* msg, size_t msg_len,
                       const uint8_t* sig, size_t sig_len);

/** Parse a fingerprint leniently (every non-hex character is ignored; more than 16 bytes are
 *  truncated, as the reference does). Errors: INVALID_HEX (odd digit count), FINGERPRINT_TOO_SHORT. */
WZP_API int wzp_fingerprint_parse(const char* text, uint8_t out[WZP_FINGERPRINT_BYTES]);
/** Format a fingerprint in display form into buf (>= 40 bytes). Errors: BUFFER_TOO_SMALL. */
WZP_API int wzp_fingerprint_format(const uint8_t fingerprint[WZP_FINGERPRINT_BYTES], char* buf,
                                   size_t buf_len);

/** Room-name hash used as the QUIC SNI: lowercase hex of SHA-256("featherchat-group:" || name)[0..16].
 *  name is UTF-8 of name_len bytes, hashed as given. out must hold 33 bytes (NUL-terminated). */
WZP_API int wzp_hash_room_name(const char* name, size_t name_len, char out[WZP_ROOM_HASH_LEN + 1]);

/* ------------------------------------------------------------------------- */
/* Media session (per-call AEAD)                                              */
/* ------------------------------------------------------------------------- */

typedef enum wzp_session_mode {
  /** libwzp's session: one key per direction (no nonce reuse), the 16-bit media sequence number
   *  extended to a 64-bit packet index for the nonce, anti-replay checked after authentication.
   *  Works under loss and reordering. Used between libwzp peers (negotiated). */
  WZP_SESSION_V2 = 0,
  /** The reference implementation's session, bit for bit: one nonce space shared by both
   *  directions and implicit counters (packets must arrive exactly once, in order). For
   *  interoperability tests and known-answer vectors only. */
  WZP_SESSION_REFERENCE = 1
} wzp_session_mode;

typedef enum wzp_role {
  WZP_ROLE_CALLER = 0, /* the side that opened the connection and sent the CallOffer */
  WZP_ROLE_CALLEE = 1
} wzp_role;

typedef struct wzp_session_config {
  size_t struct_size;    /* sizeof(wzp_session_config); set by wzp_session_config_init */
  wzp_session_mode mode; /* default WZP_SESSION_V2 */
  wzp_role role;         /* default WZP_ROLE_CALLER */
} wzp_session_config;

/** A media session: AEAD state for one call. Not thread-safe (one thread per handle). */
typedef struct wzp_session wzp_session;

/** Fill the first `size` bytes of a config (the caller's sizeof) with the defaults (V2, caller)
 *  and set struct_size = size. NULL, or a size smaller than struct_size itself, is ignored.
 *  Thread-safe. Call it through the wzp_session_config_init macro. */
WZP_API void wzp_session_config_init_sized(wzp_session_config* config, size_t size);
#define wzp_session_config_init(config) wzp_session_config_init_sized((config), sizeof(*(config)))
/** A session from a 32-byte key (normally made by the handshake). config may be NULL (defaults). */
WZP_API int wzp_session_new(const uint8_t key[WZP_SESSION_KEY_BYTES], const wzp_session_config* config,
                            wzp_session** out);
/** Release a session and wipe its keys. NULL is ignored. */
WZP_API void wzp_session_free(wzp_session* session);
/** The 4-byte session id, the same on both peers. REFERENCE: SHA-256(current key)[0..4] (it
 *  changes with each rekey, as the reference's does). V2: SHA-256(key)[0..4] of the key the
 *  session was made from; it stays the same across rekeys. */
WZP_API int wzp_session_id(const wzp_session* session, uint8_t out[WZP_SESSION_ID_BYTES]);
/** Encrypt plaintext with header as associated data. seq is the media header's sequence number
 *  (V2: it selects the nonce and must move forward by 1..32767, modulo 2^16, from the last sealed one;
 *  REFERENCE: ignored, the implicit counter is used). out receives pt_len + 16 bytes; *out_len is
 *  set to the size written (or needed, with BUFFER_TOO_SMALL). A failed call consumes nothing.
 *  Errors: BUFFER_TOO_SMALL, INVALID_ARGUMENT (V2: seq repeats or goes back, which would reuse a
 *  nonce), INVALID_STATE (the key's packet limit is reached: rekey first). */
WZP_API int wzp_session_seal(wzp_session* session, const uint8_t* header, size_t header_len, uint16_t seq,
                             const uint8_t* pt, size_t pt_len, uint8_t* out, size_t out_cap, size_t* out_len);
/** Decrypt and authenticate. Errors: DECRYPT_FAILED (bad tag, key, header; too short),
 *  REPLAY (V2: duplicate or older than the 1024-packet window), BUFFER_TOO_SMALL. */
WZP_API int wzp_session_open(wzp_session* session, const uint8_t* header, size_t header_len, uint16_t seq,
                             const uint8_t* ct, size_t ct_len, uint8_t* out, size_t out_cap, size_t* out_len);
/** Start a rekey: make a fresh X25519 key pair and return its public half (send it to the peer).
 *  secret may be NULL (random); a fixed secret is for known-answer tests only. */
WZP_API int wzp_session_rekey_begin(wzp_session* session, const uint8_t* secret,
                                    uint8_t out_public[WZP_PUBLIC_KEY_BYTES]);
/** Finish a rekey with the peer's public value: both sides install the same new key.
 *  Errors: INVALID_STATE (no rekey begun), WEAK_KEY (low-order peer value; both modes). */
WZP_API int wzp_session_rekey_complete(wzp_session* session, const uint8_t peer_public[WZP_PUBLIC_KEY_BYTES]);
/** The reference's rekey trigger: packet_count - last_rekey_at >= 65536 (saturating). 1 or 0. */
WZP_API int wzp_rekey_due(uint64_t last_rekey_at, uint64_t packet_count);

/** The reference's 12-byte AEAD nonce: session_id || BE32(counter) || direction || 00 00 00. */
WZP_API int wzp_reference_nonce(const uint8_t session_id[WZP_SESSION_ID_BYTES], uint32_t counter,
                                uint8_t direction, uint8_t out[12]);
/** Raw ChaCha20-Poly1305 (IETF) seal, the primitive under every session (for interop checks).
 *  out receives pt_len + 16 bytes. */
WZP_API int wzp_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                          const uint8_t* pt, size_t pt_len, uint8_t* out, size_t out_cap, size_t* out_len);
/** Raw ChaCha20-Poly1305 (IETF) open. Errors: DECRYPT_FAILED, BUFFER_TOO_SMALL. */
WZP_API int wzp_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                          const uint8_t* ct, size_t ct_len, uint8_t* out, size_t out_cap, size_t* out_len);

/** The reference's 16-bit anti-replay window (1024 packets). Not thread-safe. */
typedef struct wzp_replay_window wzp_replay_window;
/** A fresh window (release with wzp_replay_window_free). Errors: INVALID_ARGUMENT, NO_MEMORY. */
WZP_API int wzp_replay_window_new(wzp_replay_window** out);
/** Release a window. NULL is ignored. */
WZP_API void wzp_replay_window_free(wzp_replay_window* window);
/** WZP_OK if seq is new (and records it), WZP_ERR_REPLAY if duplicate or too old. */
WZP_API int wzp_replay_window_check(wzp_replay_window* window, uint16_t seq);

/* ------------------------------------------------------------------------- */
/* Call handshake (CallOffer / CallAnswer)                                    */
/* ------------------------------------------------------------------------- */

typedef struct wzp_handshake_config {
  size_t struct_size;
  /** Ephemeral X25519 secret (32 bytes) or NULL for a random one. Known-answer tests only. */
  const uint8_t* ephemeral_secret;
  /** Session mode of the resulting session; default WZP_SESSION_V2. */
  wzp_session_mode session_mode;
  /** 0 (default): fall back to the reference session when the peer does not agree to v2.
   *  1: refuse such a peer (the accept call fails with WZP_ERR_HANDSHAKE_FAILED), so nobody who
   *  can alter the signalling can downgrade the call; session_mode must then be V2. */
  int require_session_v2;
} wzp_handshake_config;

/** Fill the first `size` bytes of a config (the caller's sizeof) with the defaults (random
 *  ephemeral, V2 preferred) and set struct_size = size. NULL, or a size smaller than
 *  struct_size itself, is ignored. Thread-safe. Call it through wzp_handshake_config_init. */
WZP_API void wzp_handshake_config_init_sized(wzp_handshake_config* config, size_t size);
#define wzp_handshake_config_init(config) wzp_handshake_config_init_sized((config), sizeof(*(config)))

/** Caller side: makes the signed CallOffer, then verifies the CallAnswer and derives the session. */
typedef struct wzp_caller wzp_caller;
/** identity is copied; config may be NULL. */
WZP_API int wzp_caller_new(const wzp_identity* identity, const wzp_handshake_config* config,
                           wzp_caller** out);
/** Release a caller and wipe its ephemeral secret. NULL is ignored. */
WZP_API void wzp_caller_free(wzp_caller* caller);
/** The CallOffer SignalMessage as compact JSON (allocated; wzp_free). Offers GOOD, DEGRADED,
 *  CATASTROPHIC. */
WZP_API int wzp_caller_offer_json(wzp_caller* caller, char** out_json);
/** Consume the CallAnswer JSON: verify its signature, derive the session (out, caller role).
 *  Errors: JSON (not a SignalMessage), UNEXPECTED_MESSAGE (not a CallAnswer), BAD_SIGNATURE,
 *  WEAK_KEY, INVALID_STATE (answer already accepted), HANDSHAKE_FAILED (require_session_v2 and the
 *  answer is not v2). */
WZP_API int wzp_caller_accept_answer(wzp_caller* caller, const char* json, size_t json_len,
                                     wzp_session** out);

/** Callee side: verify a CallOffer, answer it, derive the session. */
typedef struct wzp_callee wzp_callee;
/** identity is copied; config may be NULL. One callee answers one offer.
 *  Errors: INVALID_ARGUMENT (NULL, unknown session mode), NO_MEMORY. */
WZP_API int wzp_callee_new(const wzp_identity* identity, const wzp_handshake_config* config,
                           wzp_callee** out);
/** Release a callee. NULL is ignored. */
WZP_API void wzp_callee_free(wzp_callee* callee);
/** Consume the CallOffer JSON; on success *out_answer_json (wzp_free) is the CallAnswer to send
 *  and *out_session the session (callee role). Errors: JSON, UNEXPECTED_MESSAGE, BAD_SIGNATURE,
 *  WEAK_KEY, INVALID_STATE (an offer was already accepted), HANDSHAKE_FAILED (require_session_v2 and
 *  the offer is not v2). */
WZP_API int wzp_callee_accept_offer(wzp_callee* callee, const char* json, size_t json_len,
                                    char** out_answer_json, wzp_session** out_session);

/** After a successful handshake: the peer's Ed25519 identity public key.
 *  Errors: INVALID_ARGUMENT (NULL), NOT_FOUND (a session made by wzp_session_new). */
WZP_API int wzp_session_peer_public_key(const wzp_session* session, uint8_t out[WZP_PUBLIC_KEY_BYTES]);
/** After a successful handshake: the peer's fingerprint (16 bytes).
 *  Errors: INVALID_ARGUMENT (NULL), NOT_FOUND (a session made by wzp_session_new). */
WZP_API int wzp_session_peer_fingerprint(const wzp_session* session, uint8_t out[WZP_FINGERPRINT_BYTES]);
/** After a successful handshake: the chosen quality profile's name ("GOOD", "DEGRADED",
 *  "CATASTROPHIC", or "custom"), static storage. NULL for sessions made by wzp_session_new. */
WZP_API const char* wzp_session_profile(const wzp_session* session);
/** The session's kind: WZP_SESSION_V2 or WZP_SESSION_REFERENCE. After a handshake, this is what the
 *  two sides negotiated (REFERENCE when the peer did not agree to v2). Errors: INVALID_ARGUMENT
 *  (NULL). Reads only immutable state: safe beside another thread using the session. */
WZP_API int wzp_session_get_mode(const wzp_session* session, wzp_session_mode* out_mode);

/* ------------------------------------------------------------------------- */
/* Signal messages (JSON) and stream framing                                  */
/* ------------------------------------------------------------------------- */

/** Validate a SignalMessage JSON text (what the reference accepts). On success *out_variant
 *  (optional, may be NULL) points at the variant's name in static storage, e.g. "CallOffer".
 *  Errors: JSON with the reason in wzp_last_error(). */
WZP_API int wzp_signal_validate(const char* json, size_t json_len, const char** out_variant);
/** Decode and re-encode a SignalMessage to its canonical compact form (byte-exact with the
 *  reference's encoder). Allocated; wzp_free. Errors: JSON. */
WZP_API int wzp_signal_canonical(const char* json, size_t json_len, char** out_json);
/** Frame a signal for a stream: BE32(len) || json. Allocated; wzp_free. Errors: TOO_LARGE. */
WZP_API int wzp_signal_frame(const char* json, size_t json_len, uint8_t** out, size_t* out_len);
/** Unframe one complete stream: returns the JSON (allocated, NUL-terminated; wzp_free) and its length.
 *  Errors: MALFORMED (truncated), TOO_LARGE (declared length over 1 MiB). */
WZP_API int wzp_signal_unframe(const uint8_t* frame, size_t frame_len, char** out_json, size_t* out_len);

/* ------------------------------------------------------------------------- */
/* Media header and packets                                                   */
/* ------------------------------------------------------------------------- */

typedef enum wzp_codec {
  WZP_CODEC_OPUS24K = 0,
  WZP_CODEC_OPUS16K = 1,
  WZP_CODEC_OPUS6K = 2,
  WZP_CODEC_CODEC2_3200 = 3,
  WZP_CODEC_CODEC2_1200 = 4,
  WZP_CODEC_COMFORT_NOISE = 5
} wzp_codec;

/** The 12-byte media header, field by field. */
typedef struct wzp_media_header {
  uint8_t version;            /* 0 or 1 (senders write 0) */
  uint8_t is_repair;          /* 1 for FEC repair packets */
  uint8_t codec;              /* wzp_codec */
  uint8_t has_quality_report; /* 1 if a 4-byte quality report trails the payload */
  uint8_t fec_ratio_code;     /* 7-bit code: ratio * 63.5 */
  uint16_t seq;
  uint32_t timestamp; /* ms since stream start */
  uint8_t fec_block;
  uint8_t fec_symbol;
  uint8_t reserved;
  uint8_t csrc_count;
} wzp_media_header;

typedef struct wzp_quality_report {
  uint8_t loss_pct; /* loss percent = value / 255 * 100 */
  uint8_t rtt_4ms;  /* rtt in 4 ms units */
  uint8_t jitter_ms;
  uint8_t bitrate_cap_kbps;
} wzp_quality_report;

/** Encode a header into 12 bytes. Errors: INVALID_ARGUMENT (codec > 5). */
WZP_API int wzp_media_header_encode(const wzp_media_header* header, uint8_t out[WZP_MEDIA_HEADER_BYTES]);
/** Decode 12+ bytes (only the first 12 are read). Errors: MALFORMED (short, codec 6..15). */
WZP_API int wzp_media_header_decode(const uint8_t* data, size_t len, wzp_media_header* out);
/** The 7-bit FEC ratio code of a ratio (round(ratio * 63.5), clamped to 0..127). Thread-safe. */
WZP_API uint8_t wzp_fec_ratio_encode(float ratio);
/** The ratio of a 7-bit FEC ratio code (the high bit is ignored). Thread-safe. */
WZP_API float wzp_fec_ratio_decode(uint8_t code);

/** Parse a media datagram: header, payload (a view into data) and optional quality report
 *  (*out_has_report set to 0/1). Errors: MALFORMED. */
WZP_API int wzp_media_packet_parse(const uint8_t* data, size_t len, wzp_media_header* out_header,
                                   const uint8_t** out_payload, size_t* out_payload_len,
                                   wzp_quality_report* out_report, int* out_has_report);
/** Build a media datagram (header || payload || report if header->has_quality_report).
 *  report may be NULL only if has_quality_report is 0. Errors: INVALID_ARGUMENT, BUFFER_TOO_SMALL. */
WZP_API int wzp_media_packet_build(const wzp_media_header* header, const uint8_t* payload, size_t payload_len,
                                   const wzp_quality_report* report, uint8_t* out, size_t out_cap,
                                   size_t* out_len);

/** A TrunkFrame (a relay's batch of media packets): build and parse. */
typedef struct wzp_trunk_entry {
  uint8_t session_tag[2];
  const uint8_t* payload;
  size_t payload_len;
} wzp_trunk_entry;
/** Encode count entries. Errors: INVALID_ARGUMENT (> 65535 entries or payload), BUFFER_TOO_SMALL. */
WZP_API int wzp_trunk_frame_build(const wzp_trunk_entry* entries, size_t count, uint8_t* out, size_t out_cap,
                                  size_t* out_len);
/** Decode into entries[0..cap) (payloads point into data); *out_count = number of entries in the
 *  frame. entries may be NULL when cap is 0 (to learn the count first).
 *  Errors: MALFORMED, BUFFER_TOO_SMALL (cap < count; *out_count holds the count). */
WZP_API int wzp_trunk_frame_parse(const uint8_t* data, size_t len, wzp_trunk_entry* entries, size_t cap,
                                  size_t* out_count);

/* ------------------------------------------------------------------------- */
/* Live calls: events shared by relays and clients                            */
/* ------------------------------------------------------------------------- */

/** Application close codes libwzp sends in QUIC CONNECTION_CLOSE frames (the reference sends
 *  0 "normal close" for everything; a reference peer treats every code the same way).
 *  The close reason string always says why in words. */
enum wzp_close_code {
  WZP_CLOSE_NORMAL = 0x0,              /* hangup / leave: "normal close" */
  WZP_CLOSE_AUTH_REJECTED = 0x101,     /* featherChat said the token is not valid */
  WZP_CLOSE_AUTH_UNAVAILABLE = 0x102,  /* the auth server could not be reached or answered nonsense */
  WZP_CLOSE_AUTH_REQUIRED = 0x103,     /* the relay requires an AuthToken as the first signal */
  WZP_CLOSE_IDENTITY_MISMATCH = 0x104, /* token fingerprint differs from the handshake identity */
  WZP_CLOSE_HANDSHAKE_FAILED = 0x201,  /* bad signature, wrong message, weak key, v2 session required */
  WZP_CLOSE_TIMEOUT = 0x202,           /* a phase deadline passed (auth, handshake) */
  WZP_CLOSE_MALFORMED_SIGNAL = 0x203,  /* a signal stream did not frame or parse */
  WZP_CLOSE_CONNECT_TIMEOUT = 0x204,   /* client-local, never sent by a relay: the relay could not be
                                          reached within handshake_timeout_ms (nothing answered at any of
                                          its addresses, or its host name did not resolve) */
  WZP_CLOSE_ACL_DENIED = 0x301,        /* the room's access list does not admit this fingerprint */
  WZP_CLOSE_ROOM_FULL = 0x302,         /* the room holds its maximum of participants */
  WZP_CLOSE_SERVER_FULL = 0x303,       /* the relay holds its maximum of sessions */
  WZP_CLOSE_SHUTDOWN = 0x401           /* the relay is stopping */
};

/** Who ended a connection. */
typedef enum wzp_close_origin {
  WZP_CLOSED_BY_PEER = 0,  /* the peer sent an application close (code/reason are the peer's) */
  WZP_CLOSED_LOCALLY = 1,  /* this side closed (hangup, stop, or a local rejection) */
  WZP_CLOSED_IDLE = 2,     /* nothing heard from the peer for the idle timeout */
  WZP_CLOSED_TRANSPORT = 3 /* a QUIC/TLS error (code is the transport error code), or a stateless
                              reset (code 0, reason "stateless reset": e.g. the relay restarted) */
} wzp_close_origin;

typedef enum wzp_event_type {
  WZP_EVENT_NONE = 0,
  WZP_EVENT_STATE = 1,    /* client: it reached an intermediate state (state): CONNECTING,
                             AUTHENTICATING, HANDSHAKING; joining and closing are JOINED / CLOSED */
  WZP_EVENT_JOINED = 2,   /* client: joined its room (room: the SNI, fingerprint: the relay's);
                             relay: a participant joined (room, fingerprint) */
  WZP_EVENT_LEFT = 3,     /* relay: a participant left its room (close_* fields say why) */
  WZP_EVENT_REJECTED = 4, /* relay: a connection was refused before joining (close_* fields say why) */
  WZP_EVENT_MEDIA = 5,    /* client: a media datagram arrived (data) */
  WZP_EVENT_SIGNAL = 6,   /* client: a signal arrived after the handshake (data = JSON) */
  WZP_EVENT_CLOSED = 7,   /* client: the connection ended (close_* fields say why) */
  /* Client, with the room extension (see wzp_client_peers_json): */
  WZP_EVENT_PEER_JOINED = 8, /* a member is in the room: one per member present when the client joined
                                (after JOINED), then one per later join (room, fingerprint, alias) */
  WZP_EVENT_PEER_LEFT = 9,   /* a member left (room, fingerprint, alias; close_code, close_origin and
                                close_reason say why, as the relay saw it: BY_PEER = the member hung up
                                or closed, LOCALLY = the relay closed it, IDLE, TRANSPORT) */
  WZP_EVENT_PEER_SIGNAL = 10, /* a member's peer signal (fingerprint and alias = the sender, room,
                                data/data_len = the payload bytes as sent) */
  /* Since 0.4.0: */
  WZP_EVENT_PRESENCE = 11, /* relay: a user came online or went offline, here or at a mesh peer
                              (fingerprint = the user's, online, relay_addr; room = a local user's room) */
  /* Since 0.5.0: */
  WZP_EVENT_CALL_PROFILE = 12 /* client with a wzp_call attached: the call's send profile changed
                                 (call_profile = the new one; source = the receiver whose report caused it,
                                 -1 when the application forced it). data = the QualityUpdate signal JSON
                                 the call sent to the room */,
  /* Since 0.9.0: */
  WZP_EVENT_CALL_E2E = 13 /* client with an end-to-end encrypted wzp_call: a member's key state changed
                             (fingerprint = the member, e2e_state), or, with fingerprint NULL, the call's own
                             media went clear (e2e_state WZP_E2E_CLEAR, policy PREFERRED) or encrypted again
                             (WZP_E2E_OK). data = why, in words (NUL-terminated) */
} wzp_event_type;

typedef enum wzp_client_state {
  WZP_CLIENT_IDLE = 0,
  WZP_CLIENT_CONNECTING = 1,     /* QUIC + TLS handshake */
  WZP_CLIENT_AUTHENTICATING = 2, /* AuthToken sent */
  WZP_CLIENT_HANDSHAKING = 3,    /* CallOffer sent, waiting for the CallAnswer */
  WZP_CLIENT_JOINED = 4,         /* in the room: media and signals flow */
  WZP_CLIENT_CLOSED = 5
} wzp_client_state;

/** Since 0.5.0. A call's quality profile: the codec and FEC of what it sends (media spec §1.3). Fixed
 *  layout (no struct_size). The presets: GOOD = {OPUS24K, 0.2, 20 ms, 5}, DEGRADED = {OPUS6K, 0.5,
 *  40 ms, 10}, CATASTROPHIC = {CODEC2_1200, 1.0, 40 ms, 8}. */
typedef struct wzp_call_profile {
  wzp_codec codec;           /* OPUS24K .. CODEC2_1200 (not COMFORT_NOISE) */
  float fec_ratio;           /* repair packets per source frame (0 .. 2); 0: no FEC */
  uint32_t frame_ms;         /* 20 or 40 */
  uint32_t frames_per_block; /* K: source frames per FEC block (1 .. 64) */
} wzp_call_profile;

typedef enum wzp_call_preset {
  WZP_CALL_PRESET_GOOD = 0,
  WZP_CALL_PRESET_DEGRADED = 1,
  WZP_CALL_PRESET_CATASTROPHIC = 2
} wzp_call_preset;

/** Fill *out with a preset. Errors: INVALID_ARGUMENT (NULL, unknown preset). Thread-safe. */
WZP_API int wzp_call_profile_preset(int preset, wzp_call_profile* out);

/** One event. Pointers inside are owned by the event: after wzp_*_next_event() they stay valid
 *  until the event is cleared (wzp_event_clear) or passed to next_event again, which releases
 *  them; inside a callback they are valid only during the call. */
typedef struct wzp_event {
  size_t struct_size;
  wzp_event_type type;
  uint64_t connection_id;  /* relay: the connection; client: 0 */
  wzp_client_state state;  /* STATE, CLOSED */
  const char* room;        /* JOINED/LEFT/REJECTED (relay): room name as the relay sees it; JOINED (client): the
                              room's SNI; PEER_* (client): the room as the relay names it; else NULL */
  const char* fingerprint; /* JOINED/LEFT/REJECTED (relay): the participant's handshake fingerprint (display
                              form) or NULL if not known yet; JOINED (client): the relay's; PEER_* (client):
                              the member's (PEER_SIGNAL: the sender's) */
  const uint8_t* data;     /* MEDIA: datagram bytes; SIGNAL: JSON text (NUL-terminated); PEER_SIGNAL: the
                              payload; else NULL */
  size_t data_len;
  uint64_t close_code; /* LEFT, REJECTED, CLOSED, PEER_LEFT: wzp_close_code (or QUIC transport code) */
  wzp_close_origin close_origin;
  const char* close_reason; /* LEFT, REJECTED, CLOSED, PEER_LEFT: why, in words; else NULL */
  /* Since 0.3.0: */
  const char* alias; /* PEER_*: the member's alias from the relay's auth server, or NULL */
  /* Since 0.4.0: */
  int online;             /* PRESENCE: 1 the user came online, 0 it went offline */
  const char* relay_addr; /* PRESENCE: NULL for a user of this relay, else the client-facing "ip:port" of
                             the relay it is connected to */
  /* Since 0.5.0: */
  int32_t source;                /* MEDIA: the sender's trunk tag (0..65535) from a relay that agreed to
                                    trunking, 0 for plain datagrams; CALL_PROFILE: see there; else 0 */
  wzp_call_profile call_profile; /* CALL_PROFILE: the call's new send profile; else zero */
  /* Since 0.9.0: */
  int e2e_state; /* CALL_E2E: a wzp_e2e_state; else 0 */
} wzp_event;

/** Zero the first `size` bytes of an event (the caller's sizeof) and set struct_size = size.
 *  Call it (through the wzp_event_init macro) once before the event's first next_event.
 *  NULL, or a size smaller than struct_size itself, is ignored. Thread-safe. */
WZP_API void wzp_event_init_sized(wzp_event* event, size_t size);
#define wzp_event_init(event) wzp_event_init_sized((event), sizeof(*(event)))
/** Release what an event owns (the pointers within its struct_size) and zero it, keeping its
 *  struct_size. next_event does this itself before filling an event, so clearing is needed only
 *  for the last event. NULL is ignored. Not thread-safe for one event. */
WZP_API void wzp_event_clear(wzp_event* event);
/** The event type's name, e.g. "JOINED". Static storage. */
WZP_API const char* wzp_event_type_name(int type);
/** The client state's name, e.g. "JOINED". Static storage. */
WZP_API const char* wzp_client_state_name(int state);
/** The close code's name, e.g. "WZP_CLOSE_ACL_DENIED" ("WZP_CLOSE_UNKNOWN" otherwise). Static storage. */
WZP_API const char* wzp_close_code_name(uint64_t code);
/** The status a close code means, as wzp_client_wait_joined returns it: AUTH_REJECTED (AUTH_REJECTED,
 *  AUTH_REQUIRED, IDENTITY_MISMATCH), AUTH_UNAVAILABLE, HANDSHAKE_FAILED, TIMEOUT (TIMEOUT: a phase
 *  deadline; CONNECT_TIMEOUT), MALFORMED (MALFORMED_SIGNAL), ACL_DENIED, ROOM_FULL, SERVER_FULL, and
 *  WZP_ERR_CLOSED for NORMAL, SHUTDOWN and codes it does not know. Only for application close codes
 *  (not QUIC transport error codes). Never fails. Thread-safe. */
WZP_API int wzp_close_code_status(uint64_t code);

/** How a client's connection ended (see wzp_client_last_close). */
typedef struct wzp_close_info {
  size_t struct_size; /* sizeof(wzp_close_info); set by wzp_close_info_init */
  uint64_t code;      /* wzp_close_code, or a QUIC transport error code (origin WZP_CLOSED_TRANSPORT, or a
                         local TLS/QUIC failure) */
  wzp_close_origin origin;
  char reason[256]; /* why, in words; NUL-terminated, cut at 255 bytes (on a UTF-8 character boundary) */
} wzp_close_info;

/** Zero a close info and set its struct_size. NULL is ignored. Thread-safe. */
WZP_API void wzp_close_info_init(wzp_close_info* info);

/** Event callback: runs on the relay's or client's event-loop thread (a relay with threads > 1: any
 *  of its loop threads), one call at a time per handle, with no library lock held. It must return quickly. It may call any other function of
 *  the library, including every call on its own handle (ACL changes, rooms_json, stats, send,
 *  hangup, ...), except these, which it must not call on its own handle: wzp_relay_stop (refused
 *  with WZP_ERR_INVALID_STATE), wzp_relay_free / wzp_client_free (refused: an error is logged and
 *  the handle is not released). A C++ exception thrown by the callback is caught at the library's
 *  boundary and logged; the event is lost, the handle goes on. When a callback is set, events are
 *  delivered to it instead of the queue. */
typedef void (*wzp_event_cb)(const wzp_event* event, void* user_data);

/* ------------------------------------------------------------------------- */
/* Relay                                                                      */
/* ------------------------------------------------------------------------- */

/** An SFU relay: accepts QUIC connections, authenticates tokens with featherChat (optional),
 *  runs the call handshake as callee, admits clients to rooms (SNI = room) under an optional
 *  access list, and forwards every media datagram to the other members of the room.
 *
 *  Threading: every relay call may be made from any thread at any time, concurrently with any
 *  other relay call (start, stop, ACL changes, stats, rooms_json from several threads and from
 *  the relay's callback), except wzp_relay_free: call it once, after every other call on the
 *  handle has returned or while other threads are blocked in wzp_relay_next_event (they return
 *  WZP_ERR_CLOSED), from any thread but the relay's own callback. No library lock is held while
 *  the relay's callback runs, so a callback that changes the ACL while another thread stops the
 *  relay does not deadlock. */
typedef struct wzp_relay wzp_relay;

typedef struct wzp_relay_config {
  size_t struct_size;
  const char* listen_host;      /* default "0.0.0.0"; "::" or "::1" for IPv6 */
  uint16_t listen_port;         /* default 4433; 0 picks a free port (see wzp_relay_port) */
  const wzp_identity* identity; /* relay identity (copied); NULL: identity_file or a random one */
  const char* identity_file;    /* seed file (64 hex characters); created (mode 0600, atomically) with a
                                   random seed only when the path does not exist; never replaced */
  const char* cert_file;        /* PEM certificate; NULL (with key_file NULL): self-signed ECDSA P-256 */
  const char* key_file;         /* PEM private key */
  const char* auth_url;         /* featherChat token validation URL; NULL: no authentication */
  uint32_t auth_timeout_ms;     /* whole auth POST; default 5000 */
  int allow_identity_mismatch;  /* 0 (default): the token's fingerprint must equal the handshake identity's;
                                   1: accept any (reference clients with throwaway identities) */
  uint32_t max_sessions;        /* sessions at once (QUIC handshake completed, authenticating ones
                                   included); every connection over it gets WZP_CLOSE_SERVER_FULL
                                   after its handshake; default 100 */
  uint32_t max_room_size;       /* participants per room; 0 (default) unlimited */
  uint32_t phase_timeout_ms;    /* deadline for the AuthToken and for the CallOffer; default 10000 */
  uint32_t idle_timeout_ms;     /* QUIC idle timeout; default 30000 */
  int acl_enabled;              /* default 0 (open); the rules are at wzp_relay_acl_set_enabled */
  const char* acl_file;         /* "ROOM FINGERPRINT..." per line (wzp_relay_acl_load_file);
                                   implies acl_enabled */
  size_t event_queue_capacity;  /* default 1024; oldest events are dropped (and counted) beyond it */
  wzp_event_cb callback;        /* optional; see wzp_event_cb */
  void* user_data;
  int require_session_v2; /* 0 (default): answer a CallOffer without the v2 media session with the
                             reference session; 1: refuse it (WZP_CLOSE_HANDSHAKE_FAILED, the reason
                             says the v2 session is required) */
  /* Per-sender media rate policing (token buckets; 0 = no limit in that dimension). Datagrams over
     the limit are not forwarded and are counted (datagrams_rate_limited in stats and rooms_json). */
  uint32_t sender_datagrams_per_s; /* sustained datagrams/s per participant; default 200 */
  uint32_t sender_burst_datagrams; /* burst above the sustained rate; default 100 */
  uint32_t sender_bytes_per_s;     /* sustained bytes/s per participant (bursts: half a second's worth);
                                      default 262144 */
  /* Admission under load (see docs/PROTOCOL.md, half-open handshakes and token checks): */
  uint32_t max_handshakes;       /* QUIC handshakes in progress at once; over half of it new clients must
                                    answer a Retry first; 0 (default): max(16, max_sessions / 4) */
  uint32_t handshake_timeout_ms; /* a QUIC handshake not completed by then is dropped; default 3000 */
  uint32_t auth_max_pending;     /* token checks in flight at once; beyond: WZP_CLOSE_AUTH_UNAVAILABLE;
                                    default 256 */
  uint32_t auth_max_pending_per_address; /* the same, per client IP address; default 4 */
  /* Since 0.3.0: */
  int acl_default_deny; /* 0 (default): a room without ACL entries admits every fingerprint; 1: it
                           admits nobody (and the ACL is on, as with acl_enabled) */
  /* Since 0.4.0 (the relay mesh; see docs/MESH.md): */
  const char* const* probe_targets; /* probe_target_count strings "[wzp:|ref:]IP:PORT" (IPv6 in brackets):
                                       one probe link each, Ping every second and presence gossip; "ref:"
                                       marks a reference relay (SNI "_probe", no mesh authentication) */
  size_t probe_target_count;
  const char* advertise; /* this relay's client-facing "IP:PORT", named in the presence it gossips; NULL
                            (default): the listen address unless it is a wildcard */
  const char* const* mesh_peers; /* mesh_peer_count relay fingerprints whose presence gossip is accepted
                                    (each proves its identity on the probe link) */
  size_t mesh_peer_count;
  int mesh_open;           /* 1: also accept presence from unauthenticated (reference) relays; default 0 */
  uint32_t presence_ttl_s; /* remote presence entries not refreshed for this long expire; default 30 */
  const char* presence_redis; /* "redis://HOST:PORT[/DB]": share presence with the other relays using the
                                 same Redis (docs/MESH.md, "A Redis fleet"); NULL or "" (default): off.
                                 Checked by wzp_relay_new (INVALID_ARGUMENT); an unreachable Redis is no
                                 error: the relay starts, logs it and retries */
  /* HTTP API (GET /presence, /presence/{fp}, /peers, /mesh, /healthz, /metrics): */
  uint16_t metrics_port;    /* HTTP API port; 0 (default): no HTTP API (unless metrics_any_port) */
  const char* metrics_bind; /* address the HTTP API binds; NULL (default): "127.0.0.1" (the reference
                               binds every interface) */
  const char* http_token;   /* when set, /presence, /presence/{fp} and /peers require
                               "Authorization: Bearer <http_token>" (401 otherwise) */
  int metrics_any_port;     /* 1: serve the HTTP API on a free port (metrics_port ignored; see
                               wzp_relay_http_port) */
  /* Trunked forwarding: */
  int trunking; /* 0 (default): every datagram is forwarded alone; 1: clients that offer "wzp_trunk"
                   (libwzp clients with accept_trunking, never reference clients) receive each sender's
                   media batched into TrunkFrames: at most 10 packets, within the client's datagram
                   limit, none waiting over 5 ms (see docs/PROTOCOL.md, trunking) */
  /* Since 0.7.0: */
  const char* http_admin_token; /* when set, the HTTP API's access-list routes (GET /acl, GET/PUT/DELETE
                                   /acl/{room}, POST/DELETE /acl/{room}/{fingerprint}; docs/MESH.md) require
                                   "Authorization: Bearer <http_admin_token>" (401 otherwise); NULL
                                   (default): they answer 403. "" is refused (INVALID_ARGUMENT) */
  /* Since 0.8.0: */
  const char* const* trusted_bridges; /* trusted_bridge_count fingerprints of bridges (wzp-web) allowed to
                                         present their users' tokens: a session whose handshake identity
                                         is one of them is admitted when its token's fingerprint differs
                                         (the user's identity for the ACL and presence is the token's).
                                         Everyone else still needs equal fingerprints. Read and copied by
                                         wzp_relay_new (the caller keeps ownership). A string that is not
                                         a fingerprint: INVALID_ARGUMENT */
  size_t trusted_bridge_count;
  /* Since 0.10.0: */
  uint32_t threads; /* event loops (threads): each has its own SO_REUSEPORT socket on the port and runs the
                       connections that reach it; rooms span loops. 1 (default): one loop; 0: one per core;
                       over 64: INVALID_ARGUMENT. With more than one, the callback runs on any of the loop
                       threads, still one call at a time (docs/PERFORMANCE.md, "Relay capacity") */
} wzp_relay_config;

typedef struct wzp_relay_stats {
  size_t struct_size;
  uint64_t connections_accepted;
  uint64_t sessions_active; /* sessions held now (QUIC handshake completed), authenticating included */
  uint64_t participants;    /* joined, over all rooms */
  uint64_t rooms;
  uint64_t auth_ok, auth_rejected, auth_unavailable;
  uint64_t handshakes_ok, handshakes_failed;
  uint64_t rejected_acl, rejected_full, rejected_timeout, rejected_malformed, rejected_identity;
  uint64_t datagrams_received, datagrams_forwarded, datagrams_malformed, datagrams_dropped;
  uint64_t bytes_forwarded;
  uint64_t events_dropped;
  uint64_t media_sessions_v2;        /* participants joined with the v2 media session */
  uint64_t media_sessions_reference; /* participants joined with the reference media session */
  /* Since 0.2.0 (QUIC endpoint; see docs/PROTOCOL.md, half-open handshakes and stateless reset): */
  uint64_t handshakes_in_progress;   /* QUIC handshakes now (not counted in sessions_active) */
  uint64_t handshakes_refused;       /* new connections dropped: the handshake budget was full */
  uint64_t handshake_timeouts;       /* handshakes that did not complete within the deadline */
  uint64_t retries_sent;             /* Retry packets sent (address validation under load) */
  uint64_t stateless_resets_sent;    /* resets for packets of connections the relay does not know */
  uint64_t tls_refused;              /* TLS handshakes refused (SNI, ALPN, ...); each is a REJECTED event */
  uint64_t datagrams_rate_limited;   /* not forwarded: over the sender's rate limit */
  uint64_t signal_streams_timed_out; /* joined participants' signal streams reset: unfinished for 10 s */
  uint64_t auth_cancelled;           /* token checks cancelled: their connection left first */
  /* Since 0.3.0 (room extension; see docs/PROTOCOL.md): */
  uint64_t membership_messages_sent; /* member lists and joined/left notices queued to members */
  uint64_t peer_signals_forwarded;   /* peer signals handed to a recipient (one per recipient) */
  uint64_t peer_signals_dropped;     /* peer signals that reached nobody (unknown target, empty room, ...) */
  uint64_t datagrams_no_recipient;   /* media of a member alone in its room: nobody to forward it to */
  /* Since 0.4.0 (presence and the relay mesh; see docs/MESH.md): */
  uint64_t presence_local;  /* users (distinct fingerprints) connected to this relay now */
  uint64_t presence_remote; /* users known at mesh peers now */
  uint64_t presence_peers;  /* peer relays with a presence record now */
  uint64_t presence_expired;                 /* remote entries removed for not being refreshed */
  uint64_t gossip_in, gossip_out;            /* PresenceUpdate messages received / sent */
  uint64_t gossip_refused_unauthenticated;   /* from a relay that is not an authenticated mesh peer */
  uint64_t gossip_refused_address;           /* naming an address bound to another peer */
  uint64_t gossip_refused_full;              /* refused by the presence registry's bounds */
  uint64_t mesh_auth_ok;                     /* probe links authenticated (either direction) */
  uint64_t mesh_auth_unlisted;               /* valid relay identities that are not mesh peers */
  uint64_t mesh_auth_failed;                 /* bad signatures or key proofs, messages out of order */
  uint64_t probe_pings_sent, probe_pongs_received; /* by this relay's probe links */
  uint64_t probe_pongs_sent;                 /* answers to other relays' (or anyone's) probes */
  uint64_t probe_messages_malformed;         /* unparsable messages on probe connections */
  /* trunking: */
  uint64_t trunk_frames_sent;     /* TrunkFrames handed to trunking clients (their packets count in
                                     datagrams_forwarded) */
  uint64_t trunk_packets_batched; /* media packets put into TrunkFrames, one per packet per receiver */
  /* Since 0.7.0: */
  uint64_t acl_evicted; /* participants already in a room closed with WZP_CLOSE_ACL_DENIED because an
                           access-list change stopped admitting them */
  /* Since 0.8.0: */
  uint64_t bridged_sessions; /* sessions admitted from a trusted bridge with a token of another identity */
  /* Since 0.10.0 (relays with threads > 1): */
  uint64_t cross_loop_datagrams; /* media datagrams passed from the loop that received them to a receiver's
                                    loop (batched: one task per loop and receive batch) */
  uint64_t cross_loop_dropped;   /* of those, dropped because the receiver's loop had too many datagrams
                                    waiting (also counted in datagrams_dropped) */
  uint64_t packets_handed_over;  /* QUIC packets that reached another loop's socket (a client whose address
                                    changed) and were passed to their connection's loop */
  uint64_t handover_dropped;     /* of those, dropped because that loop had 4096 waiting (a flood of packets
                                    whose connection IDs name a loop) */
  uint32_t threads;              /* the relay's event loops */
} wzp_relay_stats;

/** Fill the first `size` bytes of a config (the caller's sizeof) with the documented defaults
 *  and set struct_size = size. NULL, or a size smaller than struct_size itself, is ignored.
 *  Thread-safe. Call it through the wzp_relay_config_init macro. */
WZP_API void wzp_relay_config_init_sized(wzp_relay_config* config, size_t size);
#define wzp_relay_config_init(config) wzp_relay_config_init_sized((config), sizeof(*(config)))
/** Zero the first `size` bytes of a stats struct and set struct_size = size, ready for
 *  wzp_relay_stats_get. NULL, or a size smaller than struct_size itself, is ignored. Thread-safe.
 *  Call it through the wzp_relay_stats_init macro. */
WZP_API void wzp_relay_stats_init_sized(wzp_relay_stats* stats, size_t size);
#define wzp_relay_stats_init(stats) wzp_relay_stats_init_sized((stats), sizeof(*(stats)))
/** Validate the config, load identity/cert/ACL files. Nothing listens yet.
 *  Errors: INVALID_ARGUMENT, IO (files), INVALID_HEX/INVALID_LENGTH (identity file), TLS (cert/key).
 *  identity_file: only a path that does not exist (ENOENT) is created; any other failure (permission,
 *  a directory, an I/O error, a full disk) is IO with the path and the system's reason in
 *  wzp_last_error(), and an existing file is never truncated or replaced. */
WZP_API int wzp_relay_new(const wzp_relay_config* config, wzp_relay** out);
/** Bind the UDP socket and start the event-loop thread. ACL changes made before or during the
 *  start are kept. Errors: IO (bind), INVALID_STATE (already started or stopped). Thread-safe. */
WZP_API int wzp_relay_start(wzp_relay* relay);
/** Close every connection (WZP_CLOSE_SHUTDOWN: LEFT events reach the callback or queue), stop the
 *  thread; no callback runs after it returns. Idempotent; concurrent calls wait for the first.
 *  A stopped relay cannot be started again; the other calls keep working (rooms_json gives "[]").
 *  Errors: INVALID_STATE (called from the relay's own callback). Thread-safe. */
WZP_API int wzp_relay_stop(wzp_relay* relay);
/** Stop (if running) and release. NULL is ignored. Threads blocked in wzp_relay_next_event return
 *  WZP_ERR_CLOSED (queued events are dropped) and free waits until they have left; they must not
 *  use the handle afterwards. The event fd is closed. See the threading note above. */
WZP_API void wzp_relay_free(wzp_relay* relay);
/** The bound UDP port. Errors: INVALID_STATE (not started yet). Thread-safe. */
WZP_API int wzp_relay_port(const wzp_relay* relay, uint16_t* out_port);
/** The bound address as text, from the socket itself: "127.0.0.1:4433", or "[::1]:4433" for IPv6
 *  (the host as bound, e.g. "0.0.0.0" for every interface, and the real port when listen_port was
 *  0). A 64-byte buf always suffices. Errors: INVALID_ARGUMENT (NULL),
 *  INVALID_STATE (not started yet), BUFFER_TOO_SMALL. Thread-safe. */
WZP_API int wzp_relay_address(const wzp_relay* relay, char* buf, size_t buf_len);
/** The relay identity's fingerprint in display form (buf >= 40 bytes). */
WZP_API int wzp_relay_fingerprint(const wzp_relay* relay, char* buf, size_t buf_len);
/** SHA-256 of the relay's TLS certificate (DER), for clients that pin it.
 *  Errors: INVALID_STATE (not started yet). Thread-safe. */
WZP_API int wzp_relay_cert_sha256(const wzp_relay* relay, uint8_t out[32]);
/** Counters (zero before start) into the first out->struct_size bytes of out (set it with
 *  wzp_relay_stats_init). Errors: INVALID_ARGUMENT (NULL, struct_size smaller than the
 *  struct_size field). Thread-safe, lock-free. */
WZP_API int wzp_relay_stats_get(const wzp_relay* relay, wzp_relay_stats* out);

/** Access list: which fingerprints may join which room. The rules, checked when a client offers
 *  its CallOffer (before the CallAnswer is sent; a refusal closes with WZP_CLOSE_ACL_DENIED, is
 *  reported as a REJECTED event and counted in rejected_acl), and again for every participant
 *  already in a room whenever the list changes (see "Revocation" below):
 *  - Off (the default): everyone is admitted. Entries made while it is off are kept.
 *  - The fingerprint checked is the token's (featherChat's answer) when the relay has an auth_url,
 *    otherwise the handshake identity's (SHA-256 of the CallOffer's identity key, whose signature
 *    the relay verified). Without auth_url that signature covers only the client's ephemeral key
 *    and is bound neither to this relay nor to the connection: whoever holds a copy of a listed
 *    client's CallOffer (a relay or server it was sent to, a man in the middle of an unpinned
 *    client) can replay it and be admitted as that client, and receive the room's media. Use
 *    auth_url when that matters.
 *  - A listed room (one that got an entry, until wzp_relay_acl_clear_room or a load_file that
 *    does not list it) admits exactly its fingerprints: revoking its last entry leaves it listed
 *    and admitting nobody. Revoking never opens a room.
 *  - An unlisted room admits every fingerprint, or nobody in default-deny mode (acl_default_deny,
 *    wzp_relay_acl_set_default_deny).
 *  Rooms are as the relay sees them: a room hash, 32 hex digits (what a client sends for a room
 *  name by default: wzp_hash_room_name), or "sni:NAME" for a client that sends NAME as its SNI
 *  (raw_room; a DNS name without '_'; a client without SNI is in "sni:default"). Case is ignored.
 *  Fingerprints are parsed as wzp_fingerprint_parse does and compared in display form. Anything
 *  else (a plain room name, a malformed fingerprint) is refused with WZP_ERR_INVALID_ARGUMENT and
 *  the reason in wzp_last_error(), and the list is unchanged.
 *  Changes before start are kept and apply from the start; after start they apply on the relay's
 *  loop thread before the call returns (joins decided afterwards see them).
 *  Revocation (since 0.7.0): after every change (set_enabled, set_default_deny, revoke, clear_room,
 *  load_file, the HTTP API's /acl routes, wzp_fc_acl_sync_relay), each participant already in a
 *  room that the list no longer admits is disconnected with WZP_CLOSE_ACL_DENIED (the reason says
 *  why), reported as a LEFT event with that code and counted in acl_evicted. Called from another
 *  thread, the evictions are done when the call returns; called from the relay's own callback,
 *  right after the callback returns. Thread-safe, and may be called from the relay's callback. */
/** Turn the access list on (1) or off (0). Errors: INVALID_ARGUMENT (NULL). */
WZP_API int wzp_relay_acl_set_enabled(wzp_relay* relay, int enabled);
/** Default-deny mode (1): an unlisted room admits nobody; 0: everyone (the reference's rule).
 *  Does not turn the list on. Errors: INVALID_ARGUMENT (NULL). */
WZP_API int wzp_relay_acl_set_default_deny(wzp_relay* relay, int deny);
/** Admit fingerprint in room (a room hash or "sni:NAME"; the room becomes listed).
 *  Errors: INVALID_ARGUMENT (NULL, a malformed room or fingerprint). */
WZP_API int wzp_relay_acl_allow(wzp_relay* relay, const char* room, const char* fingerprint);
/** Remove one entry (none: nothing happens); the room stays listed. Errors: as wzp_relay_acl_allow. */
WZP_API int wzp_relay_acl_revoke(wzp_relay* relay, const char* room, const char* fingerprint);
/** As wzp_relay_acl_allow for a plain room name (UTF-8, any text), hashed as clients hash it
 *  (wzp_hash_room_name). Errors: INVALID_ARGUMENT (NULL, a malformed fingerprint). */
WZP_API int wzp_relay_acl_allow_room_name(wzp_relay* relay, const char* room_name, const char* fingerprint);
/** As wzp_relay_acl_revoke for a plain room name. Errors: as wzp_relay_acl_allow_room_name. */
WZP_API int wzp_relay_acl_revoke_room_name(wzp_relay* relay, const char* room_name, const char* fingerprint);
/** Forget every entry of room (a room hash or "sni:NAME"): it is unlisted again and follows the
 *  default. Errors: INVALID_ARGUMENT (NULL, a malformed room). */
WZP_API int wzp_relay_acl_clear_room(wzp_relay* relay, const char* room);
/** Replace every entry from a file (see wzp_relay_config.acl_file); the on/off and default-deny
 *  switches are kept. Lines are "ROOM FINGERPRINT..." with rooms and fingerprints as above, '#'
 *  comments. Errors: IO, INVALID_ARGUMENT (the first bad line, with its number; the list is
 *  unchanged). */
WZP_API int wzp_relay_acl_load_file(wzp_relay* relay, const char* path);
/** Since 0.7.0. The access list as JSON (allocated; wzp_free):
 *  {"enabled":true,"default_deny":false,"rooms":{"ROOM":["FINGERPRINT",...]}}, rooms (room hashes or
 *  "sni:NAME") and fingerprints (display form) sorted; a listed room whose entries were all revoked
 *  has []. What GET /acl answers. Before the start it shows the list the relay will start with.
 *  Errors: INVALID_ARGUMENT (NULL). Thread-safe (after the start it reads the list on the relay's
 *  loop thread), and may be called from the relay's callback. */
WZP_API int wzp_relay_acl_json(const wzp_relay* relay, char** out_json);

/* featherChat group rooms (since 0.7.0): featherChat's server keeps a relay room's access list
 * equal to a group's membership (FC-5, group calls). The room is the group's plain room name,
 * hashed as clients hash it (wzp_hash_room_name); members are fingerprints as wzp_fingerprint_parse
 * reads them. A member removed while in the room is disconnected with WZP_CLOSE_ACL_DENIED (see
 * "Revocation" above) and refused on its next join. Turning the list on is the relay's owner's
 * choice (acl_enabled, acl_default_deny): a sync never changes the switches. */
/** Since 0.7.0. Make the entries of room_name's room exactly the `count` fingerprints (the room
 *  becomes listed; with count 0 it admits nobody), in-process, and disconnect the members already in
 *  the room who are no longer admitted. *out_added / *out_removed (each may be NULL; 0 on failure)
 *  get how many entries came and went. Works before the start too (the list the relay starts with).
 *  Errors: INVALID_ARGUMENT (NULL relay or room_name, fingerprints NULL with a non-zero count, a NULL
 *  or malformed fingerprint, named with its index in wzp_last_error(); the list is then unchanged).
 *  Thread-safe, and may be called from the relay's callback (the evictions then follow right after
 *  the callback returns). */
WZP_API int wzp_fc_acl_sync_relay(wzp_relay* relay, const char* room_name, const char* const* fingerprints,
                                  size_t count, size_t* out_added, size_t* out_removed);
/** Since 0.7.0. The same on a remote relay through its HTTP API: PUT {http_base_url}/acl/{room hash}
 *  with {"fingerprints":[...]} and "Authorization: Bearer <admin_token>" (the relay's
 *  http_admin_token; docs/MESH.md, "Access-list routes"). http_base_url: "http://host:port" (https
 *  too; a trailing '/' is ignored). timeout_ms: the whole request, connecting included (> 0).
 *  On failure, *out_error (when out_error is not NULL) gets the reason, allocated (wzp_free), the same
 *  text as wzp_last_error(); it is NULL on success.
 *  Errors: INVALID_ARGUMENT (NULL, a bad URL, an empty token, timeout_ms <= 0, a bad fingerprint; the
 *  relay answered 400 or 413), AUTH_REJECTED (401: a wrong token; 403: the relay has no admin token),
 *  TIMEOUT, IO (unreachable, another HTTP status, an answer that is not the route's). Blocks the
 *  calling thread up to timeout_ms; thread-safe (no handle). */
WZP_API int wzp_fc_acl_sync_http(const char* http_base_url, const char* admin_token, const char* room_name,
                                 const char* const* fingerprints, size_t count, int timeout_ms,
                                 char** out_error);

/** The rooms and their participants as JSON (allocated; wzp_free):
 *  [{"room":"...","participants":[{"id":1,"connection":7,"fingerprint":"...","token_fingerprint":null,
 *    "remote":"127.0.0.1:5555","media_session":"v2","datagrams_rate_limited":0,
 *    "signal_bytes_buffered":0,"trunking":false}]}]
 *  media_session: "v2" or "reference", the media session the participant's handshake chose;
 *  datagrams_rate_limited: this sender's datagrams dropped by rate policing; signal_bytes_buffered:
 *  bytes of its unfinished signals the relay holds now (at most 64 KiB once joined); trunking
 *  (since 0.4.0): whether it receives TrunkFrames (see wzp_relay_config.trunking). */
WZP_API int wzp_relay_rooms_json(const wzp_relay* relay, char** out_json);

/* Since 0.4.0: presence and the relay mesh (docs/MESH.md). Each answers JSON in the reference
 * relay's HTTP shapes (allocated; wzp_free); a relay not started yet answers as an empty one. */
/** Where the user with this fingerprint (compared exactly) is: found, pretty-printed
 *  {"fingerprint": "...", "location": "Local"} or {"fingerprint": "...", "location": {"Remote":
 *  "ip:port"}} (the client-facing address of the relay it is connected to); unknown, compact
 *  {"fingerprint":"...","location":null}. Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_relay_lookup(const wzp_relay* relay, const char* fingerprint, char** out_json);
/** Every user known, pretty-printed: [{"fingerprint": "...", "location": "Local" or {"Remote":
 *  "ip:port"}}], this relay's users first. Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_relay_presence_json(const wzp_relay* relay, char** out_json);
/** One object per peer relay that reported presence, pretty-printed: [{"addr": "ip:port",
 *  "fingerprints": [...], "rtt_ms": 12.5 or null}]. Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_relay_peers_json(const wzp_relay* relay, char** out_json);
/** Mesh health, one object per probe target in configuration order:
 *  [{"target":"127.0.0.1:4434","kind":"libwzp","up":true,"rtt_ms":1.0,"loss_pct":0.0,
 *    "jitter_ms":0.2,"pings_sent":60,"pongs_received":60,"peer_fingerprint":"..."}]
 *  kind: "libwzp" or "reference"; rtt_ms: the last matched RTT (0 while down); loss and jitter over the
 *  last 60 pings; peer_fingerprint: the relay identity the target proved (null: not authenticated).
 *  Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_relay_mesh_json(const wzp_relay* relay, char** out_json);
/** Since 0.4.0. The relay's metrics in the Prometheus text format 0.0.4, as GET /metrics serves
 *  them (allocated; wzp_free): the reference's catalogue (wzp_relay_active_sessions, ...,
 *  wzp_probe_*) and libwzp's own counters (docs/MESH.md, "Metrics"). Works with or without the
 *  HTTP API. Errors: NULL_POINTER; INVALID_STATE when the relay is not started. Any thread; reads
 *  counters without waiting for the relay's loop. */
WZP_API int wzp_relay_metrics(const wzp_relay* relay, char** out_text);

/** Since 0.4.0. The port the relay's HTTP API listens on (metrics_port, or the one picked with
 *  metrics_any_port). Errors: NULL_POINTER; INVALID_STATE when the relay is not started or has no
 *  HTTP API. Any thread. */
WZP_API int wzp_relay_http_port(const wzp_relay* relay, uint16_t* out_port);

/** Wait up to timeout_ms (0: poll, negative: forever) for the next event and fill *event.
 *  The event must have been initialised (wzp_event_init) once; whatever it still owns from an
 *  earlier next_event is released first, so reusing an event without wzp_event_clear does not
 *  leak (clear the last one). Only the event's first struct_size bytes are written; on failure
 *  the event is left cleared. Errors: INVALID_ARGUMENT (NULL, struct_size smaller than the 0.1.0
 *  event), WOULD_BLOCK (timeout 0 and nothing queued), TIMEOUT (none arrived in time), CLOSED
 *  (relay stopped and queue empty, or being freed: then stop using the handle). Thread-safe;
 *  several threads may wait at once (each with its own event). */
WZP_API int wzp_relay_next_event(wzp_relay* relay, wzp_event* event, int timeout_ms);
/** A file descriptor that is readable while events are queued, and stays readable once the relay
 *  is stopped (next_event then drains the queue and returns CLOSED). Do not read or close it. It
 *  lives as long as the handle: remove it from your poll set before wzp_relay_free, which closes it
 *  (its number may then be reused). -1 if the kernel refused an eventfd. Thread-safe. */
WZP_API int wzp_relay_event_fd(const wzp_relay* relay);

/* ------------------------------------------------------------------------- */
/* Client                                                                     */
/* ------------------------------------------------------------------------- */

/** A client connection to a relay room: QUIC, optional AuthToken, the handshake as caller,
 *  then media datagrams and signals.
 *
 *  Threading: every client call may be made from any thread, concurrently with any other client
 *  call and from the client's own callback (send_media, send_signal, hangup, stats, ...), except
 *  wzp_client_free: call it once, after every other call on the handle has returned or while other
 *  threads are blocked in wzp_client_next_event (they return WZP_ERR_CLOSED), from any thread but
 *  the client's own callback. */
typedef struct wzp_client wzp_client;
/** Since 0.7.0. An event loop (one thread) that many clients can share instead of a thread each
 *  (wzp_client_config.loop): a bridge or a load generator runs thousands of clients on a few. */
typedef struct wzp_loop wzp_loop;

typedef struct wzp_client_config {
  size_t struct_size;
  const char* relay_host;         /* IPv4 or IPv6 literal, or a host name, required. A name is resolved
                                     (IPv4 and IPv6) off the client's loop thread once connect is called,
                                     and its addresses are tried in turn (the next one starts when the
                                     previous fails or has not answered within 250 ms) until one completes
                                     the QUIC handshake, all within handshake_timeout_ms */
  uint16_t relay_port;            /* required */
  const char* room;               /* room name; NULL: SNI "default" */
  int raw_room;                   /* 0 (default): SNI = wzp_hash_room_name(room); 1: room is sent as is */
  const char* token;              /* featherChat token sent as the first signal; NULL: none */
  const wzp_identity* identity;   /* copied; NULL: a random identity */
  wzp_session_mode session_mode;  /* preferred media session; default V2 (falls back if the relay can't) */
  const uint8_t* pin_cert_sha256; /* 32 bytes; NULL: accept any certificate (as the reference) */
  const uint8_t* pin_relay_fingerprint; /* 16 bytes; NULL: accept any relay identity (as the reference) */
  uint32_t handshake_timeout_ms;        /* resolve + connect + auth + CallAnswer deadline; default 10000.
                                           No QUIC handshake completed by then: closed with
                                           WZP_CLOSE_CONNECT_TIMEOUT; a relay that answered but sent no
                                           CallAnswer: WZP_CLOSE_TIMEOUT (the reason says which phase) */
  uint32_t idle_timeout_ms;             /* default 30000 */
  size_t event_queue_capacity;          /* default 1024 */
  wzp_event_cb callback;
  void* user_data;
  int require_session_v2; /* 0 (default): accept a relay that answers with the reference session;
                             1: refuse it (closed with WZP_CLOSE_HANDSHAKE_FAILED); needs
                             session_mode V2 */
  /* Since 0.4.0: */
  int accept_trunking; /* 1 (default): offer "wzp_trunk"; a relay that agrees sends TrunkFrames, which the
                          client unpacks into one MEDIA event per packet, as if each had come alone.
                          0: plain datagrams only. Never offered with session_mode REFERENCE */
  /* Since 0.7.0: */
  wzp_loop* loop; /* NULL (default): the client runs its own loop thread; else it runs on this shared loop
                     (its callback then runs on that loop's thread, one client's callback at a time, so a
                     slow callback delays the loop's other clients). The loop must outlive the client */
} wzp_client_config;

typedef struct wzp_client_stats {
  size_t struct_size;
  uint64_t rtt_us; /* smoothed RTT */
  uint64_t min_rtt_us;
  uint64_t datagrams_sent, datagrams_received, datagrams_lost, datagrams_dropped;
  uint64_t signals_sent, signals_received;
  uint64_t bytes_sent, bytes_received;
  uint64_t events_dropped;
  /* Since 0.4.0 (trunking): */
  uint64_t trunk_frames_received;  /* TrunkFrames from a trunking relay, unpacked */
  uint64_t trunk_packets_unpacked; /* MEDIA events they gave */
  uint64_t trunk_frames_malformed; /* datagrams of a trunking relay that were no TrunkFrame: dropped */
} wzp_client_stats;

/** Fill the first `size` bytes of a config (the caller's sizeof) with the documented defaults
 *  and set struct_size = size. NULL, or a size smaller than struct_size itself, is ignored.
 *  Thread-safe. Call it through the wzp_client_config_init macro. */
WZP_API void wzp_client_config_init_sized(wzp_client_config* config, size_t size);
#define wzp_client_config_init(config) wzp_client_config_init_sized((config), sizeof(*(config)))
/** Zero the first `size` bytes of a stats struct and set struct_size = size, ready for
 *  wzp_client_stats_get. NULL, or a size smaller than struct_size itself, is ignored. Thread-safe.
 *  Call it through the wzp_client_stats_init macro. */
WZP_API void wzp_client_stats_init_sized(wzp_client_stats* stats, size_t size);
#define wzp_client_stats_init(stats) wzp_client_stats_init_sized((stats), sizeof(*(stats)))
/** Since 0.7.0. A loop for clients to share: its thread starts now. Errors: INVALID_ARGUMENT (NULL),
 *  IO (the kernel refused its descriptors), NO_MEMORY. Thread-safe. */
WZP_API int wzp_loop_new(wzp_loop** out);
/** Stop the loop's thread and release it. Refused while clients still use it (an error is logged and
 *  the loop is kept: free the clients first), and from the loop's own thread (a callback). NULL is
 *  ignored. Thread-safe otherwise. */
WZP_API void wzp_loop_free(wzp_loop* loop);
/** The clients on the loop now (created and not yet freed); 0 for NULL. Thread-safe. */
WZP_API size_t wzp_loop_client_count(const wzp_loop* loop);
/** A client for one room (nothing is sent before wzp_client_connect). The config is read as
 *  far as its struct_size goes and copied (strings and the identity too).
 *  Errors: INVALID_ARGUMENT (NULL, struct_size not set, bad host, port or room), IO, TLS,
 *  NO_MEMORY. Thread-safe. */
WZP_API int wzp_client_new(const wzp_client_config* config, wzp_client** out);
/** Start connecting (returns at once). Each state change arrives once: STATE events for the
 *  intermediate states (CONNECTING, AUTHENTICATING, HANDSHAKING), then one JOINED event (with the
 *  room and the relay's fingerprint) or one CLOSED event. A client connects once: a client that
 *  has connected or closed (hung up, refused, disconnected) cannot connect again; create a new one.
 *  A host name is resolved in the background: a name that does not resolve, like a relay that does
 *  not answer, ends in a CLOSED event with WZP_CLOSE_CONNECT_TIMEOUT and a reason naming the host.
 *  Errors: INVALID_STATE (connect was already called, or the client is closed), IO (an IP literal
 *  the client cannot send to). Thread-safe. */
WZP_API int wzp_client_connect(wzp_client* client);
/** Block until JOINED (WZP_OK), closed, or the wait's timeout (WZP_ERR_TIMEOUT with the state still
 *  short of CLOSED; negative waits forever; a zero timeout polls: WZP_ERR_WOULD_BLOCK if the client
 *  is still on its way). Closed: the status the close means, with the close code's name, its value
 *  and reason in wzp_last_error(): for a close with an application code, wzp_close_code_status(code)
 *  (WZP_ERR_ACL_DENIED, _AUTH_REJECTED, _AUTH_UNAVAILABLE, _ROOM_FULL, _SERVER_FULL, _HANDSHAKE_FAILED,
 *  _MALFORMED, _TIMEOUT for WZP_CLOSE_TIMEOUT and WZP_CLOSE_CONNECT_TIMEOUT, _CLOSED for a normal close
 *  or shutdown); a QUIC transport close: WZP_ERR_TLS (TLS alerts, e.g. a certificate pin mismatch) or
 *  WZP_ERR_TRANSPORT (other transport errors, a stateless reset); an idle timeout: WZP_ERR_CLOSED.
 *  wzp_client_last_close gives the close itself. Other calls on a closed client (send_media,
 *  send_signal, next_event) keep returning WZP_ERR_CLOSED whatever the close was. Does not consume
 *  events. Thread-safe. */
WZP_API int wzp_client_wait_joined(wzp_client* client, int timeout_ms);
/** The client's current state (WZP_CLIENT_CLOSED for NULL). Thread-safe. */
WZP_API wzp_client_state wzp_client_get_state(const wzp_client* client);
/** Send one media datagram: a media packet (header, payload, optional quality report) as the relay
 *  forwards it; it must parse as wzp_media_packet_parse does. Returns once it is queued.
 *  What is protected: the bytes cross the relay as given (the relay only clears byte 1's two
 *  unused bits). QUIC (TLS 1.3) protects each hop, client to relay and relay to client, so the
 *  relay can read and alter them; the handshake's session is between this client and the relay,
 *  not the other clients, and this call does not use it. To keep the payload from the relay,
 *  encrypt it end to end before sending, e.g. with a wzp_session keyed by a wzp_caller /
 *  wzp_callee handshake the peers run between themselves.
 *  Errors: INVALID_ARGUMENT (NULL data), MALFORMED (not a media packet), INVALID_STATE (not
 *  joined), TOO_LARGE (over the datagram limit), CLOSED. Thread-safe. */
WZP_API int wzp_client_send_media(wzp_client* client, const uint8_t* data, size_t len);
/** Send one signal (SignalMessage JSON, validated first). Errors: JSON, INVALID_STATE, CLOSED. */
WZP_API int wzp_client_send_signal(wzp_client* client, const char* json, size_t json_len);
/** Send Hangup{reason} (if joined) and close with WZP_CLOSE_NORMAL. reason: "Normal", "Busy",
 *  "Declined", "Timeout" or "Error" (NULL: "Normal"). Idempotent. Before wzp_client_connect it
 *  closes the client: a CLOSED event (WZP_CLOSE_NORMAL, WZP_CLOSED_LOCALLY) follows and connect
 *  then fails with INVALID_STATE. Errors: INVALID_ARGUMENT (NULL client, unknown reason).
 *  Thread-safe. */
WZP_API int wzp_client_hangup(wzp_client* client, const char* reason);
/** Connection counters into the first out->struct_size bytes of out (set it with
 *  wzp_client_stats_init). Errors: INVALID_ARGUMENT (NULL, struct_size smaller than the
 *  struct_size field). Thread-safe. */
WZP_API int wzp_client_stats_get(const wzp_client* client, wzp_client_stats* out);
/** How the connection ended, once the client is closed: code, origin and reason (those of the CLOSED
 *  event). Writes at most out->struct_size bytes (fill it with wzp_close_info_init), so a caller built
 *  against an older, shorter wzp_close_info gets only the fields it knows.
 *  Errors: INVALID_ARGUMENT (NULL, struct_size 0 or too small for code), INVALID_STATE (not closed).
 *  Thread-safe. */
WZP_API int wzp_client_last_close(const wzp_client* client, wzp_close_info* out);
/** The relay's identity fingerprint learned in the handshake (display form, buf >= 40). */
WZP_API int wzp_client_relay_fingerprint(const wzp_client* client, char* buf, size_t buf_len);
/** The media session the handshake chose, once joined: WZP_SESSION_V2 or WZP_SESSION_REFERENCE
 *  (the fallback when the relay does not agree to v2; see require_session_v2).
 *  Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (not joined yet). Thread-safe. */
WZP_API int wzp_client_media_session(const wzp_client* client, wzp_session_mode* out_mode);
/** The SNI the client sends. (buf >= 254) */
WZP_API int wzp_client_sni(const wzp_client* client, char* buf, size_t buf_len);

/* Room extension. A libwzp client offers it in its CallOffer (not with session_mode
 * WZP_SESSION_REFERENCE, which sends exactly a reference client's offer); a libwzp relay agrees.
 * The relay then sends the client the room's member list when it joins and tells it about every
 * later join and leave (PEER_JOINED / PEER_LEFT events), and relays peer signals between members
 * that agreed. Reference clients in the room are listed too, but receive no peer signals.
 * A reference relay does not agree: these calls then fail with WZP_ERR_INVALID_STATE. */

/** The other members of the room as JSON (allocated; wzp_free), in join order:
 *  [{"fingerprint":"xxxx:...","alias":null}]; fingerprint is the member's handshake identity
 *  (display form), alias what the relay's auth server said about its token, or null.
 *  *out_json is set to NULL on failure. Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (not
 *  joined, or the relay did not agree to the room extension). Thread-safe. */
WZP_API int wzp_client_peers_json(const wzp_client* client, char** out_json);
/** The number of other members in the room (0: alone, so media sent now reaches nobody).
 *  Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (as wzp_client_peers_json). Thread-safe. */
WZP_API int wzp_client_peer_count(const wzp_client* client, size_t* out);
/** Send len bytes (at most WZP_MAX_PEER_SIGNAL_BYTES) through the relay to the member whose
 *  fingerprint (display form) is to_fingerprint, or with NULL to every other member that agreed to
 *  the room extension. They receive a PEER_SIGNAL event. The bytes cross the relay as given (only
 *  QUIC protects each hop). Delivery is not confirmed: a member that left meanwhile is counted by
 *  the relay (peer_signals_dropped). Errors: INVALID_ARGUMENT (data NULL with len > 0), TOO_LARGE,
 *  INVALID_STATE (not joined, or the relay did not agree), NOT_FOUND (no such member in the peer
 *  list), CLOSED. Thread-safe. */
WZP_API int wzp_client_send_peer_signal(wzp_client* client, const char* to_fingerprint, const uint8_t* data,
                                        size_t len);
/** Wait up to timeout_ms (0: poll, negative: forever) for the client's next event and fill
 *  *event (see wzp_relay_next_event: what the event owned is released first, only its
 *  struct_size bytes are written). Events: STATE (CONNECTING, AUTHENTICATING, HANDSHAKING),
 *  JOINED (room, fingerprint = the relay's), PEER_JOINED, PEER_LEFT, PEER_SIGNAL, MEDIA,
 *  SIGNAL, CLOSED (the last one).
 *  Errors: INVALID_ARGUMENT (NULL, struct_size too small), WOULD_BLOCK (timeout 0 and nothing
 *  queued), TIMEOUT (none arrived in time), CLOSED (the connection ended and the queue is
 *  drained, or the client is being freed: then stop using the handle). Thread-safe; several
 *  threads may wait at once (each with its own event). */
WZP_API int wzp_client_next_event(wzp_client* client, wzp_event* event, int timeout_ms);
/** A file descriptor that is readable while the client has events queued, and stays readable
 *  once the client is closed (next_event then drains the queue and returns CLOSED): poll it, then
 *  call wzp_client_next_event with timeout 0. Do not read or close it; remove it from your poll
 *  set before wzp_client_free, which closes it. -1 if client is NULL or the kernel refused an
 *  eventfd. Thread-safe. */
WZP_API int wzp_client_event_fd(const wzp_client* client);
/** Hang up (if connected) and release; no callback runs after it returns. NULL is ignored.
 *  Threads blocked in wzp_client_next_event return WZP_ERR_CLOSED and free waits until they have
 *  left. See the threading note above. */
WZP_API void wzp_client_free(wzp_client* client);

/* ------------------------------------------------------------------------- */
/* Calls (since 0.5.0)                                                        */
/* ------------------------------------------------------------------------- */

/** Since 0.5.0. A voice call on a joined client: 48 kHz mono int16 PCM in and out.
 *
 *  Send side: PCM -> silence suppression (comfort-noise packets while silent) -> Opus or Codec2
 *  (the send profile) -> [payload protection: identity today; end-to-end encryption plugs in here]
 *  -> Reed-Solomon FEC blocks -> media datagrams through the client. Receive side, per remote
 *  sender: FEC recovery -> adaptive jitter buffer -> decoder (Opus in-band FEC, then PLC, for
 *  what is still missing) -> PCM per sender and mixed. Receivers send QualityReports (about once
 *  a second, in the media packets' trailer); with adapt on, the call moves its send profile
 *  between GOOD, DEGRADED and CATASTROPHIC after the worst recent report, announces it with a
 *  QualityUpdate signal and a WZP_EVENT_CALL_PROFILE event on the client's event queue.
 *
 *  Sources: a remote sender is identified by the trunk tag the relay gives it. With a relay that
 *  agreed to trunking (wzp_client_config.accept_trunking, a libwzp relay) every member of a room
 *  is its own source. A reference relay (or accept_trunking 0) gives no way to tell senders
 *  apart: everything is source 0, which is right for a 1:1 call; rooms of more than two need a
 *  libwzp relay with trunking. A source appears with its first packet and is forgotten after
 *  source_timeout_ms without one.
 *
 *  While a call is attached to a client, the client's MEDIA events go to the call, not to the
 *  event queue or callback (every other event still does). wzp_call_free detaches it.
 *
 *  Playout clock: with WZP_CALL_CLOCK_INTERNAL (default) a thread of the call plays one 20 ms
 *  frame period of every source (and the mix) into a buffer of up to one second each, and
 *  wzp_call_read_pcm waits for what it asks. With WZP_CALL_CLOCK_CALLER each read_pcm of 960
 *  samples is itself one 20 ms tick (the caller's audio device paces it): read either the mix or
 *  the sources, not both. A source whose sender uses 40 ms frames is played 20 ms at a time.
 *
 *  Threading: every call function may be used from any thread concurrently (one lock per call;
 *  read_pcm waits without holding it), except wzp_call_free (once, after every other call on
 *  the handle has returned). Free the call before its client. */
typedef struct wzp_call wzp_call;

/** Since 0.9.0. End-to-end encryption of a call's media (docs/SECURITY.md): every frame is sealed
 *  with SFrame (RFC 9605, AES_128_GCM_SHA256_128) under a key of its sender that only the members
 *  the application authorises receive, so the relay forwards what it cannot read. Keys travel as
 *  peer signals through the relay, sealed to each member's identity (X25519) and signed with the
 *  sender's (Ed25519). Compare wzp_call_safety_words by voice to rule out a substituted key. */
typedef enum wzp_e2e_policy {
  WZP_E2E_OFF = 0,       /* media as the reference sends them: the relay can read them */
  WZP_E2E_PREFERRED = 1, /* encrypted while every member takes part; clear (a CALL_E2E event says why) when
                            a member shows no end-to-end support or the relay forwards no room signals */
  WZP_E2E_REQUIRED = 2   /* never clear: a member without keys is not heard and gets no key; wzp_call_new
                            fails with INVALID_STATE on a relay that forwards no room signals */
} wzp_e2e_policy;

/** Since 0.9.0. What a call knows of a remote member's keys (CALL_E2E events, wzp_call_e2e_state_json). */
typedef enum wzp_e2e_state {
  WZP_E2E_NO_KEY = 0,         /* no key from it yet */
  WZP_E2E_OK = 1,             /* its key is here and its frames open */
  WZP_E2E_MISSING_KEY = 2,    /* its frames name a key we were not given */
  WZP_E2E_DECRYPT_FAILED = 3, /* its frames do not authenticate (tampered or forged): dropped */
  WZP_E2E_CLEAR = 4,          /* it shows no end-to-end support (clear media; heard only with PREFERRED) */
  WZP_E2E_UNAUTHORISED = 5    /* not in the member list: it gets no key and its keys are ignored */
} wzp_e2e_state;

#define WZP_CALL_SAMPLE_RATE 48000
#define WZP_CALL_FRAME_SAMPLES 960 /* one 20 ms playout period */
#define WZP_CALL_MIXED (-1)        /* read_pcm / stats source: every source (mixed / summed) */

typedef enum wzp_call_clock {
  WZP_CALL_CLOCK_INTERNAL = 0, /* the call plays out every 20 ms on its own thread */
  WZP_CALL_CLOCK_CALLER = 1    /* each read_pcm of 960 samples is one playout tick */
} wzp_call_clock;

typedef struct wzp_call_config {
  size_t struct_size;
  wzp_call_profile profile;     /* the starting send profile; default GOOD */
  int adapt;                    /* 1 (default): follow the receivers' reports; 0: keep the profile */
  int silence_suppression;      /* 1 (default): send comfort-noise packets instead of silence */
  double silence_threshold_rms; /* frames below this RMS (int16 units) are silence; default 100 */
  uint32_t jitter_min_delay_ms; /* the jitter buffer's lowest target delay; default 40 */
  uint32_t jitter_max_delay_ms; /* and its highest; default 1000 */
  wzp_call_clock clock;         /* default WZP_CALL_CLOCK_INTERNAL */
  uint32_t source_timeout_ms;   /* forget a source after this long without a packet; default 30000 */
  /* A bad network, emulated (tests, demos, wzp-call --loss/--burst/--jitter): applied to this call's
     outgoing datagrams and, independently, to its incoming ones before FEC and the jitter buffer.
     Seeded: the same seed and traffic lose and delay the same datagrams. All zero (default): off. */
  double impair_loss_pct;    /* long-run fraction of datagrams dropped, percent (0 .. 100) */
  uint32_t impair_burst;     /* mean length of a loss run, in datagrams (Gilbert-Elliott); 0 or 1: each
                                datagram is lost independently */
  uint32_t impair_jitter_ms; /* each datagram is delayed by a uniform random 0 .. this (reorders) */
  uint64_t impair_seed;      /* the emulation's random seed (incoming traffic uses seed + 1) */
  /* Since 0.9.0: end-to-end encryption (see wzp_e2e_policy). */
  int e2e;                        /* a wzp_e2e_policy; default WZP_E2E_OFF */
  const char* const* e2e_members; /* the fingerprints (any form) allowed to receive this call's key and whose
                                     keys it takes, e.g. featherChat's member list; copied. NULL (default):
                                     every member of the room (a warning is logged: a member the relay adds
                                     gets the key too) */
  size_t e2e_member_count;
} wzp_call_config;

/** Counters of one source (or, with WZP_CALL_MIXED, summed over the sources) and of the send side. */
typedef struct wzp_call_stats {
  size_t struct_size;
  /* Receive side: */
  uint64_t received;  /* source packets that arrived */
  uint64_t played;    /* frames played from a packet that arrived or that FEC rebuilt */
  uint64_t recovered; /* frames rebuilt by FEC (Reed-Solomon repair packets) */
  uint64_t fec_next;  /* frames rebuilt from the next packet's Opus in-band FEC */
  uint64_t concealed; /* frames invented by packet loss concealment */
  uint64_t late;      /* packets that came after their playout time: dropped */
  uint64_t duplicate; /* packets that came twice: dropped */
  uint64_t underruns; /* playout ticks with nothing to play while the sender was talking */
  uint64_t malformed; /* datagrams that do not parse: dropped (never ends reception) */
  uint32_t depth;     /* packets in the jitter buffer now */
  uint32_t target_delay_ms;
  uint32_t current_delay_ms;
  uint32_t jitter_ms;
  float loss_pct;           /* source packets lost before FEC, recent */
  wzp_call_profile profile; /* a source: the codec of its last packet (with its header's FEC ratio);
                               WZP_CALL_MIXED: this call's send profile */
  /* Send side (the same whatever the source): */
  uint64_t packets_sent; /* source packets */
  uint64_t repair_packets_sent;
  uint64_t comfort_noise_sent;
  uint64_t frames_suppressed; /* silent frames not sent */
  uint64_t bytes_sent;
  uint64_t reports_received; /* QualityReports from receivers */
  uint64_t profile_changes;
  /* Since 0.6.0 (receive side): */
  uint64_t dropped; /* frames of the sender's timeline skipped to bring the delay back down after a
                       stall or a burst, or evicted from a full buffer: never played. With played,
                       fec_next and concealed, every frame the sender sent is accounted for */
  /* Since 0.9.0, end-to-end encryption, the whole call (whatever the source): */
  uint64_t e2e_encrypted;      /* datagrams sent sealed */
  uint64_t e2e_decrypted;      /* datagrams opened */
  uint64_t e2e_decrypt_failed; /* datagrams that did not authenticate (tampered, forged, wrong key): dropped */
  uint64_t e2e_replayed;       /* datagrams seen before: dropped */
  uint64_t e2e_missing_key;    /* datagrams under a key that never came: dropped after being held 3 s */
  uint64_t e2e_clear_refused;  /* clear datagrams dropped (policy REQUIRED) */
} wzp_call_stats;

/** Fill the first `size` bytes of a config with the defaults and set struct_size = size. NULL, or
 *  a size smaller than struct_size itself, is ignored. Thread-safe. */
WZP_API void wzp_call_config_init_sized(wzp_call_config* config, size_t size);
#define wzp_call_config_init(config) wzp_call_config_init_sized((config), sizeof(*(config)))
/** Zero the first `size` bytes of a stats struct and set struct_size = size. Thread-safe. */
WZP_API void wzp_call_stats_init_sized(wzp_call_stats* stats, size_t size);
#define wzp_call_stats_init(stats) wzp_call_stats_init_sized((stats), sizeof(*(stats)))

/** Attach a new call to a joined client (config NULL: the defaults). One call per client.
 *  Errors: INVALID_ARGUMENT (NULL client or out, struct_size not set, a bad profile or delays),
 *  INVALID_STATE (the client is not joined, or already has a call), CLOSED (the client closed),
 *  NO_MEMORY. Thread-safe. */
WZP_API int wzp_call_new(wzp_client* client, const wzp_call_config* config, wzp_call** out);
/** Detach from the client and release (its thread stops first). NULL is ignored. Never call it
 *  from the client's event callback: detaching waits for the media handoff on the client's
 *  thread, which is the thread running that callback (a deadlock). */
WZP_API void wzp_call_free(wzp_call* call);
/** Send `samples` samples of 48 kHz mono PCM (any count: the call keeps what does not fill a frame
 *  of the current profile and sends it with the next call). Pace it in real time (e.g. 960 every
 *  20 ms). Errors: INVALID_ARGUMENT (NULL call, pcm NULL with samples > 0), CLOSED (the client
 *  closed), INTERNAL (the encoder failed). A datagram the client cannot send is counted, not
 *  reported. Thread-safe. */
WZP_API int wzp_call_send_pcm(wzp_call* call, const int16_t* pcm, size_t samples);
/** Read exactly `samples` samples (a multiple of WZP_CALL_FRAME_SAMPLES) of what `source` said, or
 *  of the mix of every source (WZP_CALL_MIXED): a saturating sum. Internal clock: waits up to
 *  timeout_ms (0: poll, negative: forever) until that much is buffered. Caller clock: plays
 *  samples / 960 ticks at once and never waits. Silence (zeros) where nobody spoke; a source not
 *  (or no longer) known reads as silence under the caller clock and fails under the internal one.
 *  Errors: INVALID_ARGUMENT (NULL, samples 0 or not a multiple of 960), NOT_FOUND (internal clock:
 *  no such source), WOULD_BLOCK (timeout 0, not enough yet), TIMEOUT, CLOSED (the call is being
 *  freed or its client closed). Thread-safe; waits without blocking the other calls. */
WZP_API int wzp_call_read_pcm(wzp_call* call, int32_t source, int16_t* out, size_t samples, int timeout_ms);
/** The sources heard now, ascending, into out[0..cap); *out_count = how many there are. With cap
 *  too small (out may then be NULL): BUFFER_TOO_SMALL and *out_count set. Errors: INVALID_ARGUMENT
 *  (NULL call or out_count, out NULL with cap > 0). Thread-safe. */
WZP_API int wzp_call_sources(wzp_call* call, uint16_t* out, size_t cap, size_t* out_count);
/** Counters of a source (or WZP_CALL_MIXED: summed) into the first out->struct_size bytes of out.
 *  Errors: INVALID_ARGUMENT (NULL, struct_size too small), NOT_FOUND (no such source). Thread-safe. */
WZP_API int wzp_call_stats_get(wzp_call* call, int32_t source, wzp_call_stats* out);
/** Force the send profile (adaptation stops until wzp_call_set_adaptive): the open FEC block is
 *  closed, a QualityUpdate is sent and a CALL_PROFILE event queued if it changed.
 *  Errors: INVALID_ARGUMENT (NULL, a codec the call cannot send, frame_ms not 20/40, fec_ratio
 *  outside 0..2, frames_per_block outside 1..64). Thread-safe. */
WZP_API int wzp_call_set_profile(wzp_call* call, const wzp_call_profile* profile);
/** Let the receivers' reports choose the profile again (adapt on). Errors: INVALID_ARGUMENT. */
WZP_API int wzp_call_set_adaptive(wzp_call* call);
/** The current send profile. Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_call_get_profile(wzp_call* call, wzp_call_profile* out);

/** Since 0.9.0. The call's end-to-end state as a JSON object (free with wzp_free): policy, sending
 *  ("encrypted"/"clear"), clear_reason, send_kid, safety_words, members (null: everyone), participants
 *  (fingerprint, state, present, kid, decrypted, decrypt_failed, replayed, missing_key), frames and keys
 *  (counters; docs/SECURITY.md lists them). Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (the call is
 *  not end-to-end encrypted), NO_MEMORY. Thread-safe. */
WZP_API int wzp_call_e2e_state_json(wzp_call* call, char** out_json);
/** Since 0.9.0. The application's member list changed (members NULL: every member of the room; a
 *  non-NULL list of count 0: nobody). A member removed from it that held this call's key makes the call
 *  send under a fresh key, given to the others only: the removed member cannot read what follows.
 *  Errors: INVALID_ARGUMENT (NULL call, a NULL entry or one that is not a fingerprint), INVALID_STATE (not
 *  end-to-end encrypted, or no keys can be exchanged through this relay), CLOSED. Thread-safe. */
WZP_API int wzp_call_e2e_set_members(wzp_call* call, const char* const* members, size_t count);
/** Since 0.9.0. Five words (space-separated; free with wzp_free) from the keys every member of the call
 *  holds now: members who read each other the same words hold the same keys. They change when a key
 *  changes (a member leaves or is removed). Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (not end-to-end
 *  encrypted, or no keys exchanged), NO_MEMORY. Thread-safe. */
WZP_API int wzp_call_safety_words(wzp_call* call, char** out_words);

/* ------------------------------------------------------------------------- */
/* Presence registry (standalone)                                             */
/* ------------------------------------------------------------------------- */

/** Since 0.4.0. Who is online where, as a relay keeps it (docs/MESH.md, "Presence: what a relay
 *  knows"), for featherChat components that want the same registry in-process: local users (one
 *  entry per fingerprint, online while at least one of its connections is registered), remote
 *  users reported by peer relays (a report replaces that peer's set; the last reporter of a
 *  fingerprint wins; local always wins in a lookup) and one record per peer. Fingerprints and
 *  addresses are opaque strings compared exactly. Every map is bounded: a registration or report
 *  over a bound is refused (WZP_ERR_TOO_LARGE) and changes nothing. JSON answers have the shapes
 *  of a relay's HTTP API (keys sorted; "location" is "Local" or {"Remote": "ip:port"}).
 *  Threading: every call may be made from any thread at any time, concurrently with any other
 *  (one internal lock), except wzp_presence_free. */
typedef struct wzp_presence wzp_presence;

typedef struct wzp_presence_config {
  size_t struct_size;
  size_t max_local;  /* local users; default 100000; 0: the default */
  size_t max_remote; /* remote users over all peers; default 1000000; 0: the default */
  size_t max_peers;  /* peer records; default 1024; 0: the default */
} wzp_presence_config;

/** Fill the first `size` bytes of a config (the caller's sizeof) with the defaults and set
 *  struct_size = size. NULL, or a size smaller than struct_size itself, is ignored. Thread-safe.
 *  Call it through the wzp_presence_config_init macro. */
WZP_API void wzp_presence_config_init_sized(wzp_presence_config* config, size_t size);
#define wzp_presence_config_init(config) wzp_presence_config_init_sized((config), sizeof(*(config)))
/** A new, empty registry (release with wzp_presence_free); config NULL: the defaults.
 *  Errors: INVALID_ARGUMENT (out NULL, struct_size not set), NO_MEMORY. Thread-safe. */
WZP_API int wzp_presence_new(const wzp_presence_config* config, wzp_presence** out);
/** Release. NULL is ignored. No other call on the handle may run or follow. */
WZP_API void wzp_presence_free(wzp_presence* presence);
/** A local user's connection joined (connection_id: any number unique among the user's
 *  connections; alias and room may be NULL, the latest registration's are kept). Returns 1 when
 *  the user came online, 0 when it was already here (one more connection, or the same one again).
 *  Errors: INVALID_ARGUMENT (NULL, empty fingerprint), TOO_LARGE (max_local users already here:
 *  counted, nothing changed). Thread-safe. */
WZP_API int wzp_presence_register_local(wzp_presence* presence, const char* fingerprint,
                                        uint64_t connection_id, const char* alias, const char* room);
/** A local user's connection left. Returns 1 when that was its last connection (it is no longer
 *  local), 0 otherwise (other connections remain, or the fingerprint or connection is not
 *  registered). Errors: INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_presence_unregister_local(wzp_presence* presence, const char* fingerprint,
                                          uint64_t connection_id);
/** A peer relay (relay_addr: its client-facing "ip:port", the key of its record) reports its
 *  users: they replace what it reported before (count 0: none; fingerprints may be NULL then);
 *  duplicates count once. Refreshes the peer's record and entries for wzp_presence_expire.
 *  Errors: INVALID_ARGUMENT (NULL, an empty address or fingerprint), TOO_LARGE (a new peer over
 *  max_peers, or the report would take the remote users over max_remote: nothing changed).
 *  Thread-safe. */
WZP_API int wzp_presence_update_peer(wzp_presence* presence, const char* relay_addr,
                                     const char* const* fingerprints, size_t count);
/** Forget a peer relay's record and its users. An unknown address is no error. Errors:
 *  INVALID_ARGUMENT (NULL). Thread-safe. */
WZP_API int wzp_presence_remove_peer(wzp_presence* presence, const char* relay_addr);
/** Where a user is, as JSON into *out_json (free with wzp_free): when known
 *  {"fingerprint": "...", "location": "Local"} or {... "location": {"Remote": "ip:port"}}
 *  (pretty-printed), else {"fingerprint":"...","location":null} (compact), as a relay's
 *  GET /presence/{fingerprint} answers. Errors: INVALID_ARGUMENT (NULL), NO_MEMORY. Thread-safe. */
WZP_API int wzp_presence_lookup(const wzp_presence* presence, const char* fingerprint, char** out_json);
/** Every known user as a JSON array into *out_json (free with wzp_free): locals first, then
 *  remote users not also local, each group sorted, as GET /presence answers ("[]" when empty).
 *  Errors: INVALID_ARGUMENT (NULL), NO_MEMORY. Thread-safe. */
WZP_API int wzp_presence_list_json(const wzp_presence* presence, char** out_json);
/** The peer records as a JSON array into *out_json (free with wzp_free), sorted by address, as
 *  GET /peers answers: {"addr", "fingerprints", "rtt_ms"} (rtt_ms null: unknown). Errors:
 *  INVALID_ARGUMENT (NULL), NO_MEMORY. Thread-safe. */
WZP_API int wzp_presence_peers_json(const wzp_presence* presence, char** out_json);
/** Remove remote users and peer records not refreshed (wzp_presence_update_peer) within the last
 *  ttl_ms milliseconds; local users never expire. *out_expired (may be NULL) is set to the number
 *  of remote users removed. Errors: INVALID_ARGUMENT (presence NULL). Thread-safe. */
WZP_API int wzp_presence_expire(wzp_presence* presence, uint32_t ttl_ms, size_t* out_expired);
/** How many local users, remote entries (a user both local and reported by a peer counts in
 *  both) and peer records there are; each out may be NULL. Errors: INVALID_ARGUMENT (presence NULL). Thread-safe. */
WZP_API int wzp_presence_counts(const wzp_presence* presence, size_t* out_local, size_t* out_remote,
                                size_t* out_peers);

/* ------------------------------------------------------------------------- */
/* featherChat calls (since 0.7.0)                                            */
/* ------------------------------------------------------------------------- */

/** Since 0.7.0. featherChat carries WZP calls in its own CallSignal messages (docs/FEATHERCHAT.md).
 *  A CallSignal is handed around as JSON:
 *    {"id":"<UUID>","sender_fingerprint":"xxxx:...","signal_type":"Offer","payload":"<CallPayload JSON>",
 *     "target":"xxxx:..."}
 *  signal_type is one of Offer, Answer, IceCandidate, Hangup, Reject, Ringing, Busy (featherChat's seven)
 *  or Hold, Unhold, Mute, Unmute, Transfer (libwzp's). payload is the text
 *    {"signal":<SignalMessage>,"relay_addr":"host:port"|null,"room":"<raw room name>"|null[,"call_id":"<UUID>"]}
 *  whose room is the raw group or room name: each side hashes it (wzp_hash_room_name) when it joins.
 *  featherChat's own binary form of the message (its WireMessage::CallSignal in bincode) is made and
 *  read by wzp_fc_signal_encode / wzp_fc_signal_decode.
 *  Every function here is thread-safe unless it says otherwise. */

#define WZP_FC_CALL_SIGNAL_VARIANT 7 /* WireMessage variant index of CallSignal (featherChat spec §1.3) */
#define WZP_FC_MISSED_CALL_BYTES 39  /* the compact missed-call record (FC-7) */
#define WZP_FC_CALL_ID_LEN 36        /* a call id: a UUID's 36 characters, plus NUL = 37 */

/** Wrap a WZP SignalMessage (its JSON) for featherChat: a CallSignal JSON with a fresh message id, the
 *  signal's tag, and the payload built from relay_addr, room and call_id (each may be NULL: absent or
 *  null in the payload). featherchat_tags_only 1: the libwzp-only tags become Offer (for a featherChat
 *  that knows only its seven). Allocated into *out_json (wzp_free). Errors: INVALID_ARGUMENT (NULL,
 *  sender or target not a fingerprint), JSON (signal_json is not a SignalMessage: the reason in
 *  wzp_last_error()), NO_MEMORY. */
WZP_API int wzp_fc_wrap_signal(const char* signal_json, size_t signal_len, const char* sender,
                               const char* target, const char* relay_addr, const char* room,
                               const char* call_id, int featherchat_tags_only, char** out_json);
/** Open a CallSignal JSON received from featherChat: checks the fingerprints, decodes the payload and
 *  checks that the tag fits the signal. Writes the payload, normalised, into *out_payload_json
 *  (wzp_free): {"signal":...,"relay_addr":...,"room":...[,"call_id":...]}. Errors: INVALID_ARGUMENT
 *  (NULL, a fingerprint or an empty id), JSON (the text is not a CallSignal or its payload not a
 *  CallPayload: not JSON, a missing or mistyped field, an unknown signal_type), MALFORMED (well-formed but
 *  inconsistent: a tag that does not fit the signal, a call_id that is not a UUID); each named in
 *  wzp_last_error(). NO_MEMORY. */
WZP_API int wzp_fc_open_signal(const char* call_signal_json, size_t len, char** out_payload_json);
/** featherChat's bincode bytes of a CallSignal JSON (variant: WZP_FC_CALL_SIGNAL_VARIANT unless your
 *  featherChat build differs), allocated into *out / *out_len (wzp_free). Errors: INVALID_ARGUMENT
 *  (NULL), JSON or MALFORMED (not a CallSignal JSON, as wzp_fc_open_signal), NO_MEMORY. */
WZP_API int wzp_fc_signal_encode(const char* call_signal_json, size_t len, uint32_t variant, uint8_t** out,
                                 size_t* out_len);
/** The CallSignal JSON of featherChat bincode bytes (*out_json, wzp_free). Errors: INVALID_ARGUMENT
 *  (NULL), MALFORMED (another variant, truncated, an unknown signal type, a field over 1 MiB, invalid
 *  UTF-8, bytes left over: named in wzp_last_error()), NO_MEMORY. */
WZP_API int wzp_fc_signal_decode(const uint8_t* data, size_t len, uint32_t variant, char** out_json);
/** The 39-byte missed-call record (FC-7) of its JSON form
 *  {"caller":"<16 hex>","callee":"<16 hex>","time":<Unix s>,"call_id":"<UUID>","media":"audio"|"video"}
 *  (caller and callee: the first 8 bytes of each fingerprint). Errors: INVALID_ARGUMENT (NULL),
 *  JSON (not this JSON form, named in wzp_last_error()). */
WZP_API int wzp_fc_missed_call_encode(const char* json, size_t len, uint8_t out[WZP_FC_MISSED_CALL_BYTES]);
/** The JSON form of a 39-byte record (*out_json, wzp_free). Errors: INVALID_ARGUMENT (NULL), MALFORMED
 *  (a length other than 39, another version or type, an unknown media type), NO_MEMORY. */
WZP_API int wzp_fc_missed_call_decode(const uint8_t* data, size_t len, char** out_json);

/** A featherChat user's calls: the call state machine of FC-2/FC-3/FC-7 and, unless told otherwise, the
 *  media path of each call. The application moves CallSignals between featherChat and the manager:
 *  what featherChat delivers goes to wzp_fc_manager_receive (or _receive_bincode); what the manager
 *  wants sent comes out as WZP_FC_EVENT_SEND events (the CallSignal as JSON and as featherChat bincode,
 *  and its target). Every call has a call id (a UUID carried in the payload; a reference peer that sends
 *  none is matched by fingerprint).
 *
 *  States (wzp_fc_call_state): outgoing OFFERING -> RINGING (the callee's Ringing) -> CONNECTING (its
 *  Answer) -> ACTIVE; incoming RINGING -> CONNECTING (wzp_fc_manager_accept) -> ACTIVE; any of them ->
 *  ENDED with a wzp_fc_call_end. Rules: a repeated message id or a repeated offer is a duplicate,
 *  a signal for an ended or unknown call is late, a signal about a call from anyone but its peer is
 *  foreign: each is dropped and counted. Glare (both users call each other at once) resolves on both
 *  sides to the call with the smaller call id; the other ends as GLARE and its user is connected to the
 *  kept call. An offer while another call is live is answered Busy (and recorded, and reported as a
 *  missed call) unless call_waiting is on. An unanswered call ends MISSED after ring_timeout_ms on both
 *  sides (the callee gets a WZP_FC_EVENT_MISSED record); a call in CONNECTING for connect_timeout_ms
 *  ends FAILED. An incoming offer must be signed by the identity whose fingerprint sent it, and an answer
 *  must come from the identity called; otherwise the call FAILS.
 *
 *  Media (join_relay 1, the default): on CONNECTING, both sides join the call's relay room (the
 *  payload's relay_addr and room: the room hashed, the manager's identity and token) with a wzp_client;
 *  JOINED makes the call ACTIVE and starts a wzp_call on it (wzp_fc_manager_call_media gives it to the
 *  application: PCM in and out). A relay that refuses or cannot be reached ends the call FAILED with the
 *  close reason in the event's detail and a Hangup{Error} to the peer. When the call ends, the client
 *  hangs up. With join_relay 0 the application joins the relay itself and reports with
 *  wzp_fc_manager_media_connected / _media_failed.
 *
 *  Clock: timeouts run on the manager's thread on the system clock (times are Unix milliseconds), or,
 *  with manual_clock 1, only when the application calls wzp_fc_manager_advance (a virtual clock for
 *  tests and simulations).
 *
 *  Threading: every call may be made from any thread, concurrently with any other (one lock per
 *  manager), except wzp_fc_manager_free. Events go to the callback (on the manager's thread, one at a
 *  time, no library lock held: it may call any wzp_fc_manager_* function but _free) or, without one,
 *  to a bounded queue read with wzp_fc_manager_next_event. */
typedef struct wzp_fc_manager wzp_fc_manager;

typedef enum wzp_fc_call_state {
  WZP_FC_CALL_IDLE = 0,
  WZP_FC_CALL_OFFERING = 1,   /* outgoing: the Offer is sent */
  WZP_FC_CALL_RINGING = 2,    /* outgoing: the callee's client rings; incoming: ringing here */
  WZP_FC_CALL_CONNECTING = 3, /* answered: joining the relay room */
  WZP_FC_CALL_ACTIVE = 4,     /* in the room: media flows */
  WZP_FC_CALL_ENDED = 5
} wzp_fc_call_state;

typedef enum wzp_fc_call_end {
  WZP_FC_END_NONE = 0,      /* not ended */
  WZP_FC_END_HANGUP = 1,    /* a side hung up an answered call */
  WZP_FC_END_BUSY = 2,      /* the callee was in another call */
  WZP_FC_END_REJECTED = 3,  /* the callee declined */
  WZP_FC_END_CANCELLED = 4, /* the caller hung up before an answer */
  WZP_FC_END_MISSED = 5,    /* nobody answered within ring_timeout_ms */
  WZP_FC_END_FAILED = 6,    /* the relay could not be joined, the handshake failed, a bad answer... */
  WZP_FC_END_GLARE = 7      /* both called at once: the other call was kept */
} wzp_fc_call_end;

typedef enum wzp_fc_event_type {
  WZP_FC_EVENT_NONE = 0,
  WZP_FC_EVENT_SEND = 1,    /* send signal_json (or signal_bincode) through featherChat to target */
  WZP_FC_EVENT_STATE = 2,   /* a call changed state (state, previous_state, end, ...) */
  WZP_FC_EVENT_MISSED = 3,  /* an incoming call was missed: missed_call (39 bytes) and signal_json = its
                               JSON form */
  WZP_FC_EVENT_IN_CALL = 4, /* another WZP signal of a live call (Hold, Mute, Transfer, ...): signal_json */
  WZP_FC_EVENT_MEDIA = 5    /* a call's media handle is ready (ACTIVE, join_relay 1): wzp_fc_manager_call_media */
} wzp_fc_event_type;

/** One event. Pointers are owned by the event, as with wzp_event: valid until wzp_fc_event_clear or
 *  the next wzp_fc_manager_next_event on it; in a callback, during the call. */
typedef struct wzp_fc_event {
  size_t struct_size;
  wzp_fc_event_type type;
  char call_id[WZP_FC_CALL_ID_LEN + 1]; /* every type but SEND of a non-call signal: the call's id */
  char peer[WZP_FINGERPRINT_STR_LEN + 1]; /* the other user's fingerprint */
  int outgoing;                           /* 1: we placed the call; 0: it came in */
  wzp_fc_call_state state;                /* the call's state now */
  wzp_fc_call_state previous_state;       /* STATE: the state it left */
  wzp_fc_call_end end;                    /* ENDED: how */
  int ended_here;                         /* ENDED: 1 when this side ended it */
  const char* relay_addr;                 /* the call's relay "host:port", or NULL */
  const char* room;                       /* the call's raw room name, or NULL */
  const char* detail;                     /* FAILED and GLARE: why, in words; else NULL */
  const char* target;                     /* SEND: the recipient's fingerprint */
  const char* signal_json;                /* SEND: the CallSignal JSON; IN_CALL: the SignalMessage JSON;
                                             MISSED: the record's JSON */
  const uint8_t* signal_bincode;          /* SEND: the CallSignal in featherChat's bincode */
  size_t signal_bincode_len;
  uint8_t missed_call[WZP_FC_MISSED_CALL_BYTES]; /* MISSED */
  int64_t time_ms;                               /* when it happened (the manager's clock) */
} wzp_fc_event;

/** Zero an event and set struct_size (through the macro). NULL is ignored. */
WZP_API void wzp_fc_event_init_sized(wzp_fc_event* event, size_t size);
#define wzp_fc_event_init(event) wzp_fc_event_init_sized((event), sizeof(*(event)))
/** Release what an event owns and zero it, keeping struct_size. NULL is ignored. */
WZP_API void wzp_fc_event_clear(wzp_fc_event* event);
/** The name of an event type: "SEND", "STATE", ... Static storage ("UNKNOWN" for other values). */
WZP_API const char* wzp_fc_event_type_name(int type);
/** The name of a call state: "OFFERING", "RINGING", ... Static storage ("UNKNOWN" for other values). */
WZP_API const char* wzp_fc_call_state_name(int state);
/** The name of an end reason: "NONE", "HANGUP", "BUSY", ... Static storage ("UNKNOWN" for other values). */
WZP_API const char* wzp_fc_call_end_name(int end);

typedef void (*wzp_fc_event_cb)(const wzp_fc_event* event, void* user_data);

typedef struct wzp_fc_manager_config {
  size_t struct_size;
  const wzp_identity* identity;  /* required (copied): the user's featherChat identity */
  uint32_t ring_timeout_ms;      /* default 45000 */
  uint32_t connect_timeout_ms;   /* default 20000 */
  int send_ringing;              /* 1 (default): tell the caller when a call rings here */
  int call_waiting;              /* 0 (default): a second call is answered Busy; 1: it rings */
  int featherchat_tags_only;     /* 0 (default); 1: libwzp-only tags are sent as Offer */
  uint32_t max_live_calls;       /* default 8; beyond: Busy */
  uint32_t max_history;          /* ended calls kept for wzp_fc_manager_history_json; default 256 */
  uint32_t bincode_variant;      /* default WZP_FC_CALL_SIGNAL_VARIANT */
  int manual_clock;              /* 0 (default): the system clock; 1: wzp_fc_manager_advance */
  size_t event_queue_capacity;   /* default 1024 (the oldest event is dropped, and counted, beyond) */
  wzp_fc_event_cb callback;      /* optional */
  void* user_data;
  /* Media: */
  int join_relay;            /* 1 (default): join the relay room and start the call engine; 0: the app does */
  const char* default_relay; /* "host:port" for wzp_fc_manager_place_call without a relay; NULL: none */
  const char* token;         /* featherChat token for relays with an auth_url; NULL: none */
  const uint8_t* pin_cert_sha256;       /* 32 bytes, or NULL: see wzp_client_config */
  const uint8_t* pin_relay_fingerprint; /* 16 bytes, or NULL */
  uint32_t join_timeout_ms;             /* the client's handshake_timeout_ms; default 10000 */
  const wzp_call_config* call_config;   /* the wzp_call of each call (copied); NULL: the defaults. With
                                           e2e set (0.9.0), each call is end-to-end encrypted with the
                                           peer as its only member (e2e_members is not read) */
  /* The relay of a call placed without one (wzp_fc_choose_relay; docs/FEATHERCHAT.md): */
  struct wzp_fc_presence* presence; /* NULL (default): none; else the callee's relay is looked up there
                                       (borrowed: it must outlive the manager) */
  int relay_policy;                 /* a wzp_fc_relay_policy; default WZP_FC_RELAY_CALLER */
  const char* my_relay;             /* the relay this user is at, "host:port"; NULL (default): none */
} wzp_fc_manager_config;

typedef struct wzp_fc_manager_stats {
  size_t struct_size;
  uint64_t signals;    /* CallSignals received */
  uint64_t duplicates; /* a message id or an offer seen before */
  uint64_t late;       /* for an ended or unknown call, or out of order */
  uint64_t foreign;    /* about a call of someone else */
  uint64_t malformed;  /* refused: not a CallSignal, not for us, a bad payload */
  uint64_t glare;      /* simultaneous offers resolved */
  uint64_t busy;       /* offers answered Busy */
  uint64_t sent;       /* CallSignals handed out to send */
  uint64_t live_calls; /* calls not ended now */
  uint64_t media_joined, media_failed; /* relay rooms joined / failed (join_relay) */
  uint64_t events_dropped;
} wzp_fc_manager_stats;

/** Set the defaults above and struct_size (through the macro). NULL is ignored. */
WZP_API void wzp_fc_manager_config_init_sized(wzp_fc_manager_config* config, size_t size);
#define wzp_fc_manager_config_init(config) wzp_fc_manager_config_init_sized((config), sizeof(*(config)))
/** Zero the stats and set struct_size (through the macro). NULL is ignored. */
WZP_API void wzp_fc_manager_stats_init_sized(wzp_fc_manager_stats* stats, size_t size);
#define wzp_fc_manager_stats_init(stats) wzp_fc_manager_stats_init_sized((stats), sizeof(*(stats)))

/** A manager for the user of config->identity (starts its thread). Errors: INVALID_ARGUMENT (NULL,
 *  struct_size not set, no identity, a default_relay that is not host:port), NO_MEMORY. */
WZP_API int wzp_fc_manager_new(const wzp_fc_manager_config* config, wzp_fc_manager** out);
/** Hang up the calls' media, stop the thread, release. NULL is ignored. Not from the callback. */
WZP_API void wzp_fc_manager_free(wzp_fc_manager* manager);
/** Call peer (a fingerprint): an Offer goes out (a SEND event) with a fresh call id, relay_addr and room
 *  (NULL: the call id). relay_addr NULL: the config's default_relay, or, when the config has a presence
 *  or my_relay, the relay wzp_fc_choose_relay picks by relay_policy from my_relay, the callee's relay
 *  (a wzp_fc_presence_lookup, which blocks up to its http_timeout_ms) and default_relay (the
 *  relay-config default); the call's JSON names why in "relay_choice" ("CALLEE_ONLINE", ...). The id goes into out_call_id
 *  (WZP_FC_CALL_ID_LEN + 1 bytes; may be NULL). Errors: INVALID_ARGUMENT (NULL manager or peer, peer is
 *  not a fingerprint or is ourselves, no relay given nor configured with join_relay 1, a relay that is not
 *  host:port), INVALID_STATE (a live call with that peer already, or max_live_calls). */
WZP_API int wzp_fc_manager_place_call(wzp_fc_manager* manager, const char* peer, const char* relay_addr,
                                      const char* room, char out_call_id[WZP_FC_CALL_ID_LEN + 1]);
/** Answer a ringing incoming call (an Answer goes out; CONNECTING). Errors: INVALID_ARGUMENT (NULL),
 *  NOT_FOUND (no live call with that id), INVALID_STATE (not an incoming call that rings), and the
 *  handshake's errors (the offer's signature: the call FAILS). */
WZP_API int wzp_fc_manager_accept(wzp_fc_manager* manager, const char* call_id);
/** Decline a ringing incoming call (Reject). Errors: as wzp_fc_manager_accept. */
WZP_API int wzp_fc_manager_reject(wzp_fc_manager* manager, const char* call_id);
/** End a live call from this side: cancels an unanswered outgoing call, rejects a ringing incoming one,
 *  hangs up otherwise (Hangup{Normal}). Errors: INVALID_ARGUMENT (NULL), NOT_FOUND. */
WZP_API int wzp_fc_manager_hangup(wzp_fc_manager* manager, const char* call_id);
/** A CallSignal (JSON) featherChat delivered. Duplicates, late and foreign signals are not errors (they
 *  are counted). Errors (the signal is dropped and counted as malformed): INVALID_ARGUMENT (NULL, not
 *  addressed to this user, a bad fingerprint), JSON or MALFORMED (as wzp_fc_open_signal; the bincode
 *  form: MALFORMED when the bytes do not decode). */
WZP_API int wzp_fc_manager_receive(wzp_fc_manager* manager, const char* call_signal_json, size_t len);
/** The same for featherChat's bincode bytes of the message. Errors: as wzp_fc_manager_receive. */
WZP_API int wzp_fc_manager_receive_bincode(wzp_fc_manager* manager, const uint8_t* data, size_t len);
/** join_relay 0: the application joined the call's room (CONNECTING -> ACTIVE). Errors: INVALID_ARGUMENT
 *  (NULL), NOT_FOUND, INVALID_STATE (a call not CONNECTING, or join_relay 1: the manager does it). */
WZP_API int wzp_fc_manager_media_connected(wzp_fc_manager* manager, const char* call_id);
/** join_relay 0: joining the call's room failed (FAILED, Hangup{Error} to the peer; why may be NULL).
 *  Errors: as wzp_fc_manager_media_connected. */
WZP_API int wzp_fc_manager_media_failed(wzp_fc_manager* manager, const char* call_id, const char* why);
/** manual_clock 1: set the clock to now_ms (Unix milliseconds, never backwards) and run the timeouts due.
 *  Errors: INVALID_ARGUMENT (NULL), INVALID_STATE (manual_clock 0). */
WZP_API int wzp_fc_manager_advance(wzp_fc_manager* manager, int64_t now_ms);
/** The media of an ACTIVE call (join_relay 1): *out_call is the call engine (send and read PCM, stats;
 *  never free it), *out_client its client (may be NULL: not wanted). Both stay valid until
 *  wzp_fc_manager_release_media for that call or wzp_fc_manager_free; after the call ends its client is
 *  hung up (send and read return WZP_ERR_CLOSED). Errors: INVALID_ARGUMENT (NULL), NOT_FOUND (no media
 *  for that call: not ACTIVE yet, join_relay 0, or released). */
WZP_API int wzp_fc_manager_call_media(wzp_fc_manager* manager, const char* call_id, wzp_call** out_call,
                                      wzp_client** out_client);
/** Release an ended call's media (hanging it up first if the call is still live). The handles from
 *  wzp_fc_manager_call_media must no longer be used. Errors: INVALID_ARGUMENT (NULL), NOT_FOUND. */
WZP_API int wzp_fc_manager_release_media(wzp_fc_manager* manager, const char* call_id);
/** One call (live or in the history) as JSON (*out_json, wzp_free):
 *  {"call_id","direction":"outgoing"|"incoming","peer","relay_addr","room","state":"active",...,
 *   "end":"none"|"hangup"|...,"ended_here","detail","offered_ms","answered_ms","active_ms","ended_ms"}
 *  (times in the manager's clock, -1: never). Errors: INVALID_ARGUMENT (NULL), NOT_FOUND, NO_MEMORY. */
WZP_API int wzp_fc_manager_call_json(const wzp_fc_manager* manager, const char* call_id, char** out_json);
/** The live calls as a JSON array of the objects above. Errors: INVALID_ARGUMENT (NULL), NO_MEMORY. */
WZP_API int wzp_fc_manager_live_calls_json(const wzp_fc_manager* manager, char** out_json);
/** The ended calls (oldest first, at most max_history) as a JSON array of the objects above.
 *  Errors: INVALID_ARGUMENT (NULL), NO_MEMORY. */
WZP_API int wzp_fc_manager_history_json(const wzp_fc_manager* manager, char** out_json);
/** Errors: INVALID_ARGUMENT (NULL, struct_size not set). */
WZP_API int wzp_fc_manager_stats_get(const wzp_fc_manager* manager, wzp_fc_manager_stats* out);
/** Without a callback: the next event (timeout_ms < 0 waits forever, 0 polls). Errors: INVALID_ARGUMENT,
 *  TIMEOUT, WOULD_BLOCK (timeout 0 and nothing queued), CLOSED (the manager is being freed). */
WZP_API int wzp_fc_manager_next_event(wzp_fc_manager* manager, wzp_fc_event* event, int timeout_ms);
/** A descriptor readable while events are queued (select/poll/asyncio), or -1. */
WZP_API int wzp_fc_manager_event_fd(const wzp_fc_manager* manager);

/* ------------------------------------------------------------------------- */
/* Logging                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum wzp_log_level {
  WZP_LOG_ERROR = 0,
  WZP_LOG_WARN = 1,
  WZP_LOG_INFO = 2,
  WZP_LOG_DEBUG = 3,
  WZP_LOG_TRACE = 4
} wzp_log_level;

/** Log sink: level, component ("relay", "client", "quic", ...), message (NUL-terminated).
 *  Called from any library thread, possibly from several threads at once (no library lock is held
 *  while it runs). It may call any library function, including wzp_log_set_callback; a line the
 *  library logs on the same thread while the sink runs goes to stderr instead of re-entering the
 *  sink. A C++ exception thrown by the sink is caught and the line is lost. */
typedef void (*wzp_log_cb)(int level, const char* component, const char* message, void* user_data);
/** Process-wide log level (default WZP_LOG_WARN; the example daemons default to INFO). Thread-safe. */
WZP_API void wzp_log_set_level(int level);
/** Process-wide sink; NULL restores the default (stderr). Thread-safe. Returns once no other thread
 *  is running the previous sink, so its user_data may be released afterwards (called from inside
 *  a sink it returns at once: that sink's own call is still running). */
WZP_API void wzp_log_set_callback(wzp_log_cb callback, void* user_data);

/* ------------------------------------------------------------------------- */
/* featherChat presence and relay choice (since 0.7.0)                        */
/* ------------------------------------------------------------------------- */

/* Since 0.7.0. Where to place a featherChat call (docs/FEATHERCHAT.md): featherChat's relay-config
 * (FC-10, GET /v1/wzp/relay-config), the presence of users at relays (FC-6: relays' presence HTTP API,
 * in-process relays and registries) and the choice of a call's relay from both. Relay addresses are
 * "host:port" (an IPv6 host in brackets). */

/** The relay-config answer, parsed: {"relay_addr":"host:port","web_bridge_url":"wss://..."|null,
 *  "relays":["host:port",...]} (relay_addr required; web_bridge_url and relays optional; other keys
 *  ignored). Writes the normalised JSON (the three keys, relays without relay_addr or duplicates) into
 *  *out_json (wzp_free) and the default relay into out_relay (out_relay_len bytes, NUL included; 262
 *  always suffice; out_relay may be NULL). Errors: INVALID_ARGUMENT (json or out_json NULL),
 *  MALFORMED (not a JSON object, over 64 KiB, a field missing, of the wrong type or form: the field is
 *  named in wzp_last_error()), BUFFER_TOO_SMALL (out_relay), NO_MEMORY. Thread-safe. */
WZP_API int wzp_fc_relay_config_parse(const char* json, size_t len, char** out_json, char* out_relay,
                                      size_t out_relay_len);
/** GET the relay-config from url (featherChat's ".../v1/wzp/relay-config"), with "Authorization: Bearer
 *  <token>" when token is not NULL, within timeout_ms (0: 5000), and parse it as
 *  wzp_fc_relay_config_parse does. Blocks the calling thread. Errors: INVALID_ARGUMENT (NULL, a URL that
 *  is not http:// or https://), IO (unreachable, or an HTTP status other than 2xx, 401/403 and 404),
 *  TIMEOUT, AUTH_REJECTED (401/403), NOT_FOUND (404: featherChat has no relay-config), TOO_LARGE (an
 *  answer over 64 KiB), MALFORMED (as parse), BUFFER_TOO_SMALL, NO_MEMORY; wzp_last_error() names the
 *  URL and the cause. Thread-safe. */
WZP_API int wzp_fc_relay_config_fetch(const char* url, const char* token, uint32_t timeout_ms, char** out_json,
                                      char* out_relay, size_t out_relay_len);

/** Presence of featherChat users at relays: a set of sources polled on the handle's own thread.
 *  A source is a relay's presence HTTP API (GET /presence, /presence/{fp}; base URL and the relay's
 *  http_token), an in-process wzp_relay, or a wzp_presence registry. A user a source lists as "Local"
 *  is online at that source's relay_addr; one it lists as {"Remote": "ip:port"} at that peer relay;
 *  a user reported by several sources is at the relay of the first source added that reports it.
 *  A source that fails is retried after poll_interval_ms, then after twice as long each time up to
 *  backoff_max_ms (back to poll_interval_ms once it answers); after offline_after_failures failures in
 *  a row its users count as offline. Watched fingerprints produce events (ONLINE: first seen or at
 *  another relay now; OFFLINE: no source reports it any more) on a bounded queue (the oldest event is
 *  dropped, and counted, beyond event_queue_capacity), read with wzp_fc_presence_next_event or waited
 *  for on wzp_fc_presence_event_fd.
 *  Threading: every call may be made from any thread, concurrently with any other, except
 *  wzp_fc_presence_free. The wzp_relay and wzp_presence handles added must outlive the presence handle. */
typedef struct wzp_fc_presence wzp_fc_presence;

typedef struct wzp_fc_presence_config {
  size_t struct_size;
  uint32_t poll_interval_ms;       /* default 1000 */
  uint32_t backoff_max_ms;         /* longest wait before retrying a failing source; default 30000 */
  uint32_t offline_after_failures; /* a source's users count as offline after this many failures in a
                                      row; default 3 */
  uint32_t http_timeout_ms;        /* each HTTP request; default 2000 */
  size_t event_queue_capacity;     /* default 1024 */
  size_t max_sources;              /* default 64 */
  size_t max_watched;              /* default 10000 */
} wzp_fc_presence_config;

typedef enum wzp_fc_presence_event_type {
  WZP_FC_PRESENCE_NONE = 0,
  WZP_FC_PRESENCE_ONLINE = 1, /* a watched user is online at relay_addr (first seen, or moved) */
  WZP_FC_PRESENCE_OFFLINE = 2 /* no source reports it any more; relay_addr: where it was */
} wzp_fc_presence_event_type;

/** One presence event. The strings are owned by the event: valid until wzp_fc_presence_event_clear or
 *  the next wzp_fc_presence_next_event on it. */
typedef struct wzp_fc_presence_event {
  size_t struct_size;
  wzp_fc_presence_event_type type;
  const char* fingerprint; /* the user, as the source names it */
  const char* relay_addr;  /* "host:port" */
  const char* source;      /* the name of the source: the base URL, "relay:<addr>" or "registry:<addr>" */
  int64_t time_ms;         /* Unix milliseconds */
} wzp_fc_presence_event;

typedef struct wzp_fc_presence_stats {
  size_t struct_size;
  uint64_t polls;    /* source polls done */
  uint64_t failures; /* polls that failed */
  uint64_t events;   /* events queued */
  uint64_t dropped;  /* events dropped from a full queue */
  uint64_t sources;  /* sources added */
  uint64_t watched;  /* fingerprints watched */
  uint64_t online;   /* watched fingerprints online now */
} wzp_fc_presence_stats;

/** Set the defaults above and struct_size (through the macro). NULL, or a size smaller than struct_size
 *  itself, is ignored. Thread-safe. */
WZP_API void wzp_fc_presence_config_init_sized(wzp_fc_presence_config* config, size_t size);
#define wzp_fc_presence_config_init(config) wzp_fc_presence_config_init_sized((config), sizeof(*(config)))
/** Zero an event and set struct_size (through the macro). NULL is ignored. */
WZP_API void wzp_fc_presence_event_init_sized(wzp_fc_presence_event* event, size_t size);
#define wzp_fc_presence_event_init(event) wzp_fc_presence_event_init_sized((event), sizeof(*(event)))
/** Release what an event owns and zero it, keeping struct_size. NULL is ignored. */
WZP_API void wzp_fc_presence_event_clear(wzp_fc_presence_event* event);
/** Zero the stats and set struct_size (through the macro). NULL is ignored. */
WZP_API void wzp_fc_presence_stats_init_sized(wzp_fc_presence_stats* stats, size_t size);
#define wzp_fc_presence_stats_init(stats) wzp_fc_presence_stats_init_sized((stats), sizeof(*(stats)))
/** The name of a presence event type: "ONLINE", "OFFLINE", "NONE"; "UNKNOWN" for other values. Static
 *  storage. Thread-safe. */
WZP_API const char* wzp_fc_presence_event_type_name(int type);

/** A new presence handle without sources (release with wzp_fc_presence_free); config NULL: the
 *  defaults. Nothing is polled before wzp_fc_presence_start. Errors: INVALID_ARGUMENT (out NULL,
 *  struct_size not set), NO_MEMORY. Thread-safe. */
WZP_API int wzp_fc_presence_new(const wzp_fc_presence_config* config, wzp_fc_presence** out);
/** Stop the thread (waiting for a poll in progress, at most http_timeout_ms) and release. Threads blocked
 *  in wzp_fc_presence_next_event return WZP_ERR_CLOSED first. NULL is ignored. */
WZP_API void wzp_fc_presence_free(wzp_fc_presence* presence);
/** Add a relay's presence HTTP API: base_url "http://host:port" (the relay's metrics/HTTP port), token
 *  its http_token (NULL: none), relay_addr the relay's client-facing "host:port" where its "Local"
 *  users are. Errors: INVALID_ARGUMENT (NULL, a URL that is not http(s)://, relay_addr not host:port),
 *  TOO_LARGE (max_sources). A source that cannot be reached is no error here: it is polled, backs off
 *  and is counted. Thread-safe. */
WZP_API int wzp_fc_presence_add_http(wzp_fc_presence* presence, const char* base_url, const char* token,
                                     const char* relay_addr);
/** Add an in-process relay (asked through wzp_relay_presence_json and wzp_relay_lookup, no HTTP);
 *  relay_addr as above (NULL: the relay's wzp_relay_address, which needs a started relay). The relay
 *  must outlive the presence handle. Errors: INVALID_ARGUMENT (NULL presence or relay, relay_addr not
 *  host:port), INVALID_STATE (relay_addr NULL and the relay not started), TOO_LARGE. Thread-safe. */
WZP_API int wzp_fc_presence_add_relay(wzp_fc_presence* presence, const wzp_relay* relay, const char* relay_addr);
/** Add an in-process presence registry whose local users are at relay_addr (required). The registry
 *  must outlive the presence handle. Errors: INVALID_ARGUMENT (NULL, relay_addr not host:port),
 *  TOO_LARGE. Thread-safe. */
WZP_API int wzp_fc_presence_add_registry(wzp_fc_presence* presence, const wzp_presence* registry,
                                         const char* relay_addr);
/** Watch a fingerprint (compared exactly, as the sources name it): its changes become events from the
 *  next poll on (a user already known from a poll is reported at once). Watching twice is no error.
 *  Errors: INVALID_ARGUMENT (NULL, empty), TOO_LARGE (max_watched). Thread-safe. */
WZP_API int wzp_fc_presence_watch(wzp_fc_presence* presence, const char* fingerprint);
/** Stop watching (no event follows for it). Errors: INVALID_ARGUMENT (NULL), NOT_FOUND (not watched).
 *  Thread-safe. */
WZP_API int wzp_fc_presence_unwatch(wzp_fc_presence* presence, const char* fingerprint);
/** Start polling on the handle's thread (idempotent). Errors: INVALID_ARGUMENT (NULL), CLOSED (being
 *  freed). Thread-safe. */
WZP_API int wzp_fc_presence_start(wzp_fc_presence* presence);
/** Where a user is now: the sources are asked in order (live, blocking up to http_timeout_ms per HTTP
 *  source; no start needed) and the first that knows the user answers. WZP_OK: online, the relay in
 *  out_relay (262 bytes always suffice; may be NULL), the source's name in out_source (may be NULL;
 *  cut to out_source_len). Errors: INVALID_ARGUMENT (NULL presence or fingerprint), NOT_FOUND (offline
 *  at every source that answered), INVALID_STATE (no source), the first source's error when none
 *  answered (IO, TIMEOUT, AUTH_REJECTED, MALFORMED, ...), BUFFER_TOO_SMALL (out_relay). Thread-safe. */
WZP_API int wzp_fc_presence_lookup(wzp_fc_presence* presence, const char* fingerprint, char* out_relay,
                                   size_t out_relay_len, char* out_source, size_t out_source_len);
/** Wait up to timeout_ms (negative: forever, 0: poll) for the next event. Whatever the event still owns
 *  is released first. Errors: INVALID_ARGUMENT (NULL, struct_size not set), TIMEOUT, WOULD_BLOCK
 *  (timeout 0 and nothing queued), CLOSED (the handle is being freed). Thread-safe. */
WZP_API int wzp_fc_presence_next_event(wzp_fc_presence* presence, wzp_fc_presence_event* event, int timeout_ms);
/** A descriptor readable while events are queued (select/poll/asyncio; do not read or close it), or -1
 *  (NULL). Thread-safe. */
WZP_API int wzp_fc_presence_event_fd(const wzp_fc_presence* presence);
/** The counters. Errors: INVALID_ARGUMENT (NULL, struct_size not set). Thread-safe. */
WZP_API int wzp_fc_presence_stats_get(const wzp_fc_presence* presence, wzp_fc_presence_stats* out);
/** The sources as JSON (*out_json, wzp_free), in the order added:
 *  [{"name","kind":"http"|"relay"|"registry","relay_addr","up","polls","failures",
 *    "consecutive_failures","retry_in_ms","last_error":"..."|null,"users"}]
 *  (up: the last poll answered; users: how many users the last good poll listed). Errors:
 *  INVALID_ARGUMENT (NULL), NO_MEMORY. Thread-safe. */
WZP_API int wzp_fc_presence_sources_json(const wzp_fc_presence* presence, char** out_json);

typedef enum wzp_fc_relay_policy {
  WZP_FC_RELAY_CALLER = 0, /* my relay, then the callee's (if online), then the relay-config default */
  WZP_FC_RELAY_CALLEE = 1, /* the callee's relay (if online), then mine, then the default */
  WZP_FC_RELAY_DEFAULT = 2 /* the relay-config default, then mine, then the callee's (if online) */
} wzp_fc_relay_policy;

typedef enum wzp_fc_relay_reason {
  WZP_FC_RELAY_REASON_NONE = 0,          /* no candidate: no relay chosen */
  WZP_FC_RELAY_REASON_CALLEE_ONLINE = 1, /* the callee's relay, from presence */
  WZP_FC_RELAY_REASON_CALLER_RELAY = 2,  /* my relay */
  WZP_FC_RELAY_REASON_CONFIG_DEFAULT = 3 /* the relay-config default */
} wzp_fc_relay_reason;

/** Choose a call's relay by policy among the candidates (each may be NULL or empty: skipped):
 *  my_relay, callee_relay (where presence says the callee is; see wzp_fc_presence_lookup) and
 *  config_default (relay-config's relay_addr). The first candidate in the policy's order is written to
 *  out_relay and why to *out_reason (may be NULL). No candidate: WZP_ERR_NOT_FOUND with reason NONE.
 *  Errors: INVALID_ARGUMENT (out_relay NULL, an unknown policy, a candidate that is not host:port: named
 *  in wzp_last_error()), NOT_FOUND, BUFFER_TOO_SMALL. Thread-safe. */
WZP_API int wzp_fc_choose_relay(wzp_fc_relay_policy policy, const char* my_relay, const char* callee_relay,
                                const char* config_default, char* out_relay, size_t out_relay_len,
                                wzp_fc_relay_reason* out_reason);
/** The name of a reason: "NONE", "CALLEE_ONLINE", "CALLER_RELAY", "CONFIG_DEFAULT"; "UNKNOWN" for other
 *  values. Static storage. Thread-safe. */
WZP_API const char* wzp_fc_relay_reason_name(int reason);
/** The name of a policy: "CALLER", "CALLEE", "DEFAULT"; "UNKNOWN" for other values. Static storage.
 *  Thread-safe. */
WZP_API const char* wzp_fc_relay_policy_name(int policy);

#ifdef __cplusplus
}
#endif

#endif /* WZP_H */

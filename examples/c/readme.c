#include <stdio.h>
#include <wzp.h>

int main(void) {
  wzp_identity* alice = NULL;
  if (wzp_identity_new_random(&alice) != WZP_OK) return 1;
  char fp[WZP_FINGERPRINT_STR_LEN + 1], room[WZP_ROOM_HASH_LEN + 1];
  wzp_identity_fingerprint_str(alice, fp, sizeof fp);
  wzp_hash_room_name("general", 7, room);
  printf("libwzp %s: alice is %s, room 'general' is SNI %s\n", wzp_version(), fp, room);
  wzp_identity_free(alice);
  return 0;
}

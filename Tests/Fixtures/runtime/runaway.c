/* Never stops: the host VM's instruction budget must end it. */
#include "csd_helpers_bpf.h"

u64 entry(u8 *in, u8 *out, u64 len) {
  volatile u32 *counter = (volatile u32 *)out;
  for (;;) *counter = *counter + 1;
  return 0;
}

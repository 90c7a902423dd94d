/* The reference wrapper: straight-line code and one bounded loop over the input records
 * (HELPERS.md). Open the bundle at the start of the input, run every record, write the
 * status header and one result per record to the output. */
#include "csd_helpers_bpf.h"

u64 entry(u8 *in, u8 *out, u64 len) {
  struct csd_output_header *hdr = (struct csd_output_header *)out;
  hdr->records_done = 0;
  hdr->stop_reason = 0;
  hdr->records_total = 0;
  hdr->output_record_size = 0;
  u64 h = csd_open(in, len);
  if (!h) {
    hdr->stop_reason = (u32)csd_last_error(0);
    return 1;
  }
  u64 n = csd_record_count(h);
  u64 isz = csd_input_record_size(h);
  u64 osz = csd_output_record_size(h);
  hdr->records_total = (u32)n;
  hdr->output_record_size = (u32)osz;
  if (n == 0) hdr->stop_reason = (u32)csd_last_error(h);
  u8 *rec = in + csd_payload_size(h);
  u8 *res = out + sizeof *hdr;
  for (u64 i = 0; i < n; i++) {
    u64 rc = csd_infer(h, rec, res);
    if (rc) {
      hdr->stop_reason = (u32)rc;
      break;
    }
    hdr->records_done = (u32)(i + 1);
    rec += isz;
    res += osz;
  }
  csd_close(h);
  return hdr->stop_reason;
}

/* The CSD runtime's helpers as a BPF program declares them (Sources/CSDRuntime/HELPERS.md).
 * Calls are resolved by name when the firmware loads the object. */
#ifndef CSD_HELPERS_BPF_H_
#define CSD_HELPERS_BPF_H_

typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

extern u64 csd_open(const void *input, u64 input_len);
extern u64 csd_payload_size(u64 handle);
extern u64 csd_record_count(u64 handle);
extern u64 csd_input_record_size(u64 handle);
extern u64 csd_output_record_size(u64 handle);
extern u64 csd_infer(u64 handle, const void *in_record, void *out_record);
extern u64 csd_last_error(u64 handle);
extern u64 csd_close(u64 handle);
extern void print(const char *text);

/* The output header (HELPERS.md). */
struct csd_output_header {
  u32 records_done;
  u32 stop_reason;
  u32 records_total;
  u32 output_record_size;
};

#endif

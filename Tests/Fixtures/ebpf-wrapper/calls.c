/* How clang declares and calls helpers, for comparison with the objects vtac writes
 * (Tests/BundleTests/EBPFObjectTests.swift): extern functions called by name, one
 * R_BPF_64_32 relocation per call against an undefined global symbol, call src_reg 1 and
 * imm -1 until the loader resolves it, no data section. */
typedef unsigned long long u64;

extern u64 helper_a(u64 x);
extern u64 helper_b(u64 x, u64 y);

u64 entry(u64 *in, u64 *out, u64 len) {
  u64 a = helper_a(len);
  u64 b = helper_b(a, *in);
  *out = helper_a(b);
  return 0;
}

/* A global noinline function: the call carries an R_BPF_64_32 relocation against the
 * function symbol `triple`, defined in .text. */
__attribute__((noinline)) unsigned long triple(unsigned long x) { return 3 * x; }

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    return triple(len);
}

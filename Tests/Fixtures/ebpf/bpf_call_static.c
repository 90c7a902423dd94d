/* A static noinline function: clang emits `call` with src_reg 1 and no relocation. */
static __attribute__((noinline)) unsigned long square(unsigned long x) { return x * x + 1; }

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    return square(len);
}

/* A zero-initialized global lands in .bss. */
static unsigned long total;

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    total += len;
    return total;
}

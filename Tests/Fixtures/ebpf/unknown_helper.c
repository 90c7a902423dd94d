/* Calls an extern function that no runtime registers. */
extern unsigned long mystery(unsigned long x);

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    return mystery(len);
}

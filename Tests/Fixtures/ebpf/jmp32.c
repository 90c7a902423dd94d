/* Built with -mcpu=v3: the 32-bit comparison becomes a JMP32 instruction. */
unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    unsigned int n = (unsigned int)len;
    if (n < 10) return 1;
    return 2;
}

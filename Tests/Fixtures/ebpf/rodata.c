/* A constant table of 40 bytes lands in plain .rodata (tables of 4, 8, 16 or 32 bytes
 * would go to a mergeable .rodata.cstN section instead, refused all the same). */
static const unsigned int table[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    return table[in[0] % 10];
}

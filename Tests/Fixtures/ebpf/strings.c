/* Prints two string literals. Both live in .rodata.str1.1; on the device (and in our
 * VM) both addresses resolve to the start of that section, so "first" prints twice. */
extern void print(const char *text);

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    print("first");
    print("second");
    return 0;
}

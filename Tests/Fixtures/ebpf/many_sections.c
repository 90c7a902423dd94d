/* 34 functions in 34 sections: with .text, .strtab, .symtab and the null section
 * the object has more than the 32 sections the device accepts. */
__attribute__((section("s0"))) unsigned long f0(unsigned long x) { return x + 0; }
__attribute__((section("s1"))) unsigned long f1(unsigned long x) { return x + 1; }
__attribute__((section("s2"))) unsigned long f2(unsigned long x) { return x + 2; }
__attribute__((section("s3"))) unsigned long f3(unsigned long x) { return x + 3; }
__attribute__((section("s4"))) unsigned long f4(unsigned long x) { return x + 4; }
__attribute__((section("s5"))) unsigned long f5(unsigned long x) { return x + 5; }
__attribute__((section("s6"))) unsigned long f6(unsigned long x) { return x + 6; }
__attribute__((section("s7"))) unsigned long f7(unsigned long x) { return x + 7; }
__attribute__((section("s8"))) unsigned long f8(unsigned long x) { return x + 8; }
__attribute__((section("s9"))) unsigned long f9(unsigned long x) { return x + 9; }
__attribute__((section("s10"))) unsigned long f10(unsigned long x) { return x + 10; }
__attribute__((section("s11"))) unsigned long f11(unsigned long x) { return x + 11; }
__attribute__((section("s12"))) unsigned long f12(unsigned long x) { return x + 12; }
__attribute__((section("s13"))) unsigned long f13(unsigned long x) { return x + 13; }
__attribute__((section("s14"))) unsigned long f14(unsigned long x) { return x + 14; }
__attribute__((section("s15"))) unsigned long f15(unsigned long x) { return x + 15; }
__attribute__((section("s16"))) unsigned long f16(unsigned long x) { return x + 16; }
__attribute__((section("s17"))) unsigned long f17(unsigned long x) { return x + 17; }
__attribute__((section("s18"))) unsigned long f18(unsigned long x) { return x + 18; }
__attribute__((section("s19"))) unsigned long f19(unsigned long x) { return x + 19; }
__attribute__((section("s20"))) unsigned long f20(unsigned long x) { return x + 20; }
__attribute__((section("s21"))) unsigned long f21(unsigned long x) { return x + 21; }
__attribute__((section("s22"))) unsigned long f22(unsigned long x) { return x + 22; }
__attribute__((section("s23"))) unsigned long f23(unsigned long x) { return x + 23; }
__attribute__((section("s24"))) unsigned long f24(unsigned long x) { return x + 24; }
__attribute__((section("s25"))) unsigned long f25(unsigned long x) { return x + 25; }
__attribute__((section("s26"))) unsigned long f26(unsigned long x) { return x + 26; }
__attribute__((section("s27"))) unsigned long f27(unsigned long x) { return x + 27; }
__attribute__((section("s28"))) unsigned long f28(unsigned long x) { return x + 28; }
__attribute__((section("s29"))) unsigned long f29(unsigned long x) { return x + 29; }
__attribute__((section("s30"))) unsigned long f30(unsigned long x) { return x + 30; }
__attribute__((section("s31"))) unsigned long f31(unsigned long x) { return x + 31; }
__attribute__((section("s32"))) unsigned long f32(unsigned long x) { return x + 32; }
__attribute__((section("s33"))) unsigned long f33(unsigned long x) { return x + 33; }

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    return len;
}

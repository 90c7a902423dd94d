/*
 * elf_loader.c — loads a relocatable eBPF object from an untrusted buffer, accepting
 * what the Alkali fork's ubpf_load_elf accepts. Every read is bounds-checked first.
 *
 * Accepted (checks in this order, as in the fork):
 *  - at least the 64-byte ELF header; magic \x7fELF; ELFCLASS64; ELFDATA2LSB;
 *    EI_VERSION 1; EI_OSABI 0 (none/System V); e_type ET_REL; e_machine EM_BPF (247)
 *    or EM_NONE (0); e_shnum <= 32;
 *  - every section header (e_shoff + i * e_shentsize, 64 bytes read, whatever
 *    e_shentsize says, like the fork) and every section's [sh_offset, sh_offset+sh_size)
 *    inside the file — NOBITS sections (.bss) included, as the fork checks them too;
 *  - code: the first section of type PROGBITS whose flags are exactly ALLOC|EXECINSTR
 *    (index 0 never counts: the fork uses 0 for "not found"); its size a non-zero
 *    multiple of 8. Execution starts at its first instruction, whatever the symbols say;
 *  - data: the first PROGBITS section whose flags are exactly ALLOC|MERGE|STRINGS
 *    (clang's .rodata.str1.1) is copied and kept read-only; no other data reaches the
 *    device;
 *  - relocations: only SHT_REL sections whose sh_info is the code section are applied
 *    (others, e.g. for .BTF, are ignored as by the fork), with sh_link naming the symbol
 *    table and its sh_link the string table:
 *      R_BPF_64_32 (10) on a call: the symbol must be undefined (an `extern` function);
 *        its name is looked up among the registered helpers and the call's imm becomes
 *        the helper's index (src_reg is cleared: clang 19+ marks extern calls src_reg 1).
 *        A symbol defined in an executable section is a BPF-to-BPF call: refused.
 *      R_BPF_64_64 (1) on a lddw: the symbol must lie in the kept string section. Like
 *        the fork, the constant becomes (string section start + st_value): the addend
 *        clang leaves in the lddw's imm is IGNORED. clang refers to strings through the
 *        section symbol (st_value 0) plus that addend, so EVERY string resolves to the
 *        START of the section. This is faithful to the board on purpose: a program
 *        that uses two string literals sees the first one twice.
 *        A symbol in any other section (.data, .bss, .rodata, a second string section)
 *        is refused with the section's name; undefined and common symbols too.
 *
 * Stricter than the fork (objects clang does not produce, where the fork would patch
 * the wrong bytes or misbehave): a relocation must be 8-aligned, inside the code and on
 * the instruction its type patches; type 2 (R_BPF_64_ABS64, which the fork treats like
 * a call relocation) and all other types are refused; SHT_RELA sections aimed at the
 * code are refused (the fork ignores them, leaving calls unresolved); symbol names must
 * end inside the string table; an empty code section is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_internal.h"

#define EHDR_SIZE 64
#define SHDR_SIZE 64
#define SYM_SIZE 24
#define REL_SIZE 16

#define ET_REL 1
#define EM_NONE 0
#define EM_BPF 247
#define SHT_PROGBITS 1
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHF_MERGE 0x10
#define SHF_STRINGS 0x20
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2
#define STT_SECTION 3
#define R_BPF_64_64 1
#define R_BPF_64_32 10

typedef struct shdr {
    uint32_t name, type, link, info;
    uint64_t flags, offset, size;
} shdr;

typedef struct elf {
    ebpf_vm *vm;
    const uint8_t *data;
    size_t size;
    unsigned shnum;
    unsigned shstrndx;
    shdr sec[EBPF_MAX_SECTIONS];
    unsigned text, rodata; /* section indices; rodata 0 if none */
} elf;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

/* Whether [offset, offset+len) lies in the file (overflow-safe). */
static bool in_file(const elf *e, uint64_t offset, uint64_t len) {
    return offset <= e->size && len <= e->size - offset;
}

/* The NUL-terminated string at `offset` in section `index`, or NULL. */
static const char *string_at(const elf *e, unsigned index, uint64_t offset) {
    /* The section itself may be the one found out of bounds (see read_sections). */
    if (index >= e->shnum || offset >= e->sec[index].size ||
        !in_file(e, e->sec[index].offset, e->sec[index].size))
        return NULL;
    const char *s = (const char *)e->data + e->sec[index].offset + offset;
    if (!memchr(s, 0, (size_t)(e->sec[index].size - offset))) return NULL;
    return s;
}

/* A section's name for messages ("section 7" if it has none we can read). */
static const char *section_name(const elf *e, unsigned index, char buf[24]) {
    const char *s = index < e->shnum ? string_at(e, e->shstrndx, e->sec[index].name) : NULL;
    if (s && *s) return s;
    snprintf(buf, 24, "section %u", index);
    return buf;
}

static const char *machine_name(unsigned m) {
    switch (m) {
    case 3: return " (x86)";
    case 40: return " (ARM)";
    case 62: return " (x86-64)";
    case 183: return " (AArch64)";
    case 243: return " (RISC-V)";
    default: return "";
    }
}

static ebpf_status check_header(elf *e) {
    ebpf_vm *vm = e->vm;
    const uint8_t *h = e->data;
    if (e->size < EHDR_SIZE)
        return ebpf_error(vm, EBPF_ERR_ELF_TRUNCATED,
                          "the file is %zu bytes, shorter than the 64-byte ELF header", e->size);
    if (memcmp(h, "\x7f" "ELF", 4) != 0)
        return ebpf_error(vm, EBPF_ERR_NOT_ELF,
                          "not an ELF object (bad magic %02x %02x %02x %02x): the device loads "
                          "only ELF objects from clang -target bpf -c, not raw bytecode",
                          h[0], h[1], h[2], h[3]);
    if (h[4] != 2)
        return ebpf_error(vm, EBPF_ERR_ELF_CLASS, "ELF class %u%s: only 64-bit objects "
                          "(ELFCLASS64) are accepted", h[4], h[4] == 1 ? " (ELFCLASS32)" : "");
    if (h[5] != 1)
        return ebpf_error(vm, EBPF_ERR_ELF_ENDIAN, "ELF data encoding %u%s: only little-endian "
                          "objects (ELFDATA2LSB) are accepted", h[5],
                          h[5] == 2 ? " (big-endian, ELFDATA2MSB)" : "");
    if (h[6] != 1)
        return ebpf_error(vm, EBPF_ERR_ELF_IDENT,
                          "ELF identification version %u: only version 1 (EV_CURRENT) is "
                          "accepted", h[6]);
    if (h[7] != 0)
        return ebpf_error(vm, EBPF_ERR_ELF_IDENT,
                          "ELF OS ABI %u: only 0 (ELFOSABI_NONE) is accepted", h[7]);
    unsigned type = rd16(h + 16), machine = rd16(h + 18);
    if (type != ET_REL)
        return ebpf_error(vm, EBPF_ERR_ELF_TYPE,
                          "ELF type %u%s: only relocatable objects (ET_REL, from clang -c) are "
                          "accepted", type,
                          type == 2 ? " (ET_EXEC)" : type == 3 ? " (ET_DYN)" : "");
    if (machine != EM_BPF && machine != EM_NONE)
        return ebpf_error(vm, EBPF_ERR_ELF_MACHINE,
                          "ELF machine %u%s: only EM_BPF (247) or EM_NONE (0) is accepted",
                          machine, machine_name(machine));
    e->shnum = rd16(h + 60);
    if (e->shnum > EBPF_MAX_SECTIONS)
        return ebpf_error(vm, EBPF_ERR_ELF_SECTIONS,
                          "the object has %u sections; the device accepts at most %d",
                          e->shnum, EBPF_MAX_SECTIONS);
    e->shstrndx = rd16(h + 62);
    return EBPF_OK;
}

static ebpf_status read_sections(elf *e) {
    uint64_t shoff = rd64(e->data + 40);
    unsigned shentsize = rd16(e->data + 58);
    for (unsigned i = 0; i < e->shnum; i++) {
        uint64_t at = (uint64_t)i * shentsize;
        if (shoff > UINT64_MAX - at || !in_file(e, shoff + at, SHDR_SIZE))
            return ebpf_error(e->vm, EBPF_ERR_ELF_TRUNCATED,
                              "section header %u (at offset %llu) lies outside the %zu-byte "
                              "file", i, (unsigned long long)(shoff + at), e->size);
        const uint8_t *p = e->data + shoff + at;
        shdr *s = &e->sec[i];
        s->name = rd32(p);
        s->type = rd32(p + 4);
        s->flags = rd64(p + 8);
        s->offset = rd64(p + 24);
        s->size = rd64(p + 32);
        s->link = rd32(p + 40);
        s->info = rd32(p + 44);
    }
    /* Only now can names be read; every section's bytes must be in the file. */
    for (unsigned i = 0; i < e->shnum; i++) {
        const shdr *s = &e->sec[i];
        if (!in_file(e, s->offset, s->size)) {
            char nb[24];
            const char *name = section_name(e, i, nb);
            return ebpf_error(e->vm, EBPF_ERR_ELF_TRUNCATED,
                              "%s (offset %llu, size %llu%s) extends past the end of the "
                              "%zu-byte file", name, (unsigned long long)s->offset,
                              (unsigned long long)s->size,
                              s->type == SHT_NOBITS ? ", NOBITS: checked all the same, as on "
                                                      "the device" : "",
                              e->size);
        }
    }
    return EBPF_OK;
}

static unsigned find_section(const elf *e, uint64_t flags) {
    for (unsigned i = 0; i < e->shnum; i++)
        if (e->sec[i].type == SHT_PROGBITS && e->sec[i].flags == flags) return i;
    return 0; /* also when section 0 itself matches: the fork cannot tell the two apart */
}

/* Lists the registered helper names, for "unknown helper" messages. */
static void helper_list(const ebpf_vm *vm, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < EBPF_MAX_HELPERS && used < len; i++) {
        if (!vm->helpers[i].fn) continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", vm->helpers[i].name);
        if (n < 0) break;
        used += (size_t)n;
    }
    if (!buf[0]) snprintf(buf, len, "none");
}

typedef struct symbol {
    const char *name; /* for messages; never NULL */
    unsigned shndx;
    uint64_t value;
    bool is_section; /* a section symbol (what clang uses for .rodata.*, .bss, ...) */
} symbol;

/* Applies one relocation to `text` (the code section's copy). */
static ebpf_status relocate(elf *e, uint8_t *text, uint8_t *rodata, const char *relname,
                            uint64_t r_offset, uint32_t type, const symbol *sym) {
    ebpf_vm *vm = e->vm;
    char nb[24], nb2[24];
    const shdr *t = &e->sec[e->text];
    unsigned long long pc = r_offset / 8;
    uint64_t need = type == R_BPF_64_64 ? 16 : 8;
    if (r_offset % 8 != 0 || r_offset > t->size || t->size - r_offset < need)
        return ebpf_error(vm, EBPF_ERR_RELOCATION,
                          "%s: relocation offset %llu is not an instruction of %s (%llu bytes)",
                          relname, (unsigned long long)r_offset, section_name(e, e->text, nb),
                          (unsigned long long)t->size);
    uint8_t *slot = text + r_offset;
    bool defined_in_code = sym->shndx != SHN_UNDEF && sym->shndx < e->shnum &&
                           (e->sec[sym->shndx].flags & SHF_EXECINSTR);
    if (defined_in_code)
        return ebpf_error(vm, EBPF_ERR_BPF_CALL,
                          "pc %llu refers to '%s', code defined in %s: BPF-to-BPF calls and "
                          "function addresses are not supported (the device only calls "
                          "helpers); make the function static inline",
                          pc, sym->name, section_name(e, sym->shndx, nb));
    if (type == R_BPF_64_32) {
        if (slot[0] != EBPF_OP_CALL)
            return ebpf_error(vm, EBPF_ERR_RELOCATION,
                              "%s: R_BPF_64_32 against '%s' patches pc %llu, which is not a call "
                              "(opcode 0x%02x)", relname, sym->name, pc, slot[0]);
        if (sym->shndx != SHN_UNDEF)
            return ebpf_error(vm, EBPF_ERR_RELOCATION,
                              "pc %llu calls '%s', which is not an external function", pc,
                              sym->name);
        int index = ebpf_helper_index(vm, sym->name);
        if (index < 0) {
            char list[200];
            helper_list(vm, list, sizeof list);
            return ebpf_error(vm, EBPF_ERR_UNKNOWN_HELPER,
                              "pc %llu calls helper '%s', which is not registered (registered: "
                              "%s)", pc, sym->name, list);
        }
        ebpf_put_imm(slot, (uint32_t)index);
        slot[1] &= 0x0f; /* src_reg 0: a helper call */
        return EBPF_OK;
    }
    /* R_BPF_64_64 */
    if (slot[0] != EBPF_OP_LDDW)
        return ebpf_error(vm, EBPF_ERR_RELOCATION,
                          "%s: R_BPF_64_64 against '%s' patches pc %llu, which is not a lddw "
                          "(opcode 0x%02x)", relname, sym->name, pc, slot[0]);
    if (sym->shndx == SHN_UNDEF)
        return ebpf_error(vm, EBPF_ERR_RELOCATION,
                          "pc %llu loads the address of '%s', which is not defined in the object "
                          "(extern variables are not supported)", pc, sym->name);
    if (sym->shndx == SHN_COMMON || sym->shndx == SHN_ABS || sym->shndx >= e->shnum)
        return ebpf_error(vm, EBPF_ERR_DATA_SECTION,
                          "pc %llu loads the address of '%s', a %s symbol: global variables are "
                          "not supported; keep data on the stack or in the buffers", pc,
                          sym->name, sym->shndx == SHN_COMMON ? "common (.bss-like)"
                                     : sym->shndx == SHN_ABS ? "absolute" : "reserved-index");
    if (sym->shndx != e->rodata) {
        const char *kept = e->rodata ? section_name(e, e->rodata, nb2) : "none in this object";
        char what[96];
        if (sym->is_section)
            snprintf(what, sizeof what, "an address");
        else
            snprintf(what, sizeof what, "the address of '%s'", sym->name);
        return ebpf_error(vm, EBPF_ERR_DATA_SECTION,
                          "pc %llu loads %s in section %s: only the first string section "
                          "(alloc+merge+strings, e.g. .rodata.str1.1; here: %s) reaches the "
                          "device; .data, .bss and .rodata are not supported, so keep data on "
                          "the stack or in the buffers",
                          pc, what, section_name(e, sym->shndx, nb), kept);
    }
    if (sym->value > e->sec[e->rodata].size)
        return ebpf_error(vm, EBPF_ERR_RELOCATION,
                          "pc %llu: symbol '%s' has value %llu, past the end of %s (%llu bytes)",
                          pc, sym->name, (unsigned long long)sym->value,
                          section_name(e, e->rodata, nb),
                          (unsigned long long)e->sec[e->rodata].size);
    /* The start of the section plus st_value; the addend in the instruction is dropped. */
    uint64_t address = (uint64_t)(uintptr_t)rodata + sym->value;
    ebpf_put_imm(slot, (uint32_t)address);
    ebpf_put_imm(slot + 8, (uint32_t)(address >> 32));
    return EBPF_OK;
}

static ebpf_status apply_relocations(elf *e, uint8_t *text, uint8_t *rodata) {
    ebpf_vm *vm = e->vm;
    char nb[24], nb2[24];
    for (unsigned i = 0; i < e->shnum; i++) {
        const shdr *rel = &e->sec[i];
        if ((rel->type != SHT_REL && rel->type != SHT_RELA) || rel->info != e->text) continue;
        const char *relname = section_name(e, i, nb);
        if (rel->type == SHT_RELA)
            return ebpf_error(vm, EBPF_ERR_RELOCATION,
                              "%s: RELA relocations are not supported (BPF objects use REL)",
                              relname);
        if (rel->link >= e->shnum)
            return ebpf_error(vm, EBPF_ERR_RELOCATION,
                              "%s: its symbol table index %u is out of range", relname, rel->link);
        const shdr *symtab = &e->sec[rel->link];
        if (symtab->link >= e->shnum)
            return ebpf_error(vm, EBPF_ERR_RELOCATION,
                              "%s: the symbol table's string table index %u is out of range",
                              relname, symtab->link);
        unsigned strtab = symtab->link;
        uint64_t nsyms = symtab->size / SYM_SIZE, nrels = rel->size / REL_SIZE;
        for (uint64_t j = 0; j < nrels; j++) {
            const uint8_t *r = e->data + rel->offset + j * REL_SIZE;
            uint64_t r_offset = rd64(r), info = rd64(r + 8);
            uint32_t type = (uint32_t)info, symi = (uint32_t)(info >> 32);
            if (type != R_BPF_64_64 && type != R_BPF_64_32)
                return ebpf_error(vm, EBPF_ERR_RELOCATION,
                                  "%s: relocation %llu has type %u%s; only R_BPF_64_64 (1, "
                                  "string addresses) and R_BPF_64_32 (10, helper calls) are "
                                  "supported", relname, (unsigned long long)j, type,
                                  type == 2 ? " (R_BPF_64_ABS64)" : type == 3 ? " (R_BPF_64_ABS32)"
                                  : "");
            if (symi >= nsyms)
                return ebpf_error(vm, EBPF_ERR_RELOCATION,
                                  "%s: relocation %llu names symbol %u of %llu", relname,
                                  (unsigned long long)j, symi, (unsigned long long)nsyms);
            const uint8_t *s = e->data + symtab->offset + (uint64_t)symi * SYM_SIZE;
            symbol sym = {NULL, rd16(s + 6), rd64(s + 8), (s[4] & 0xf) == STT_SECTION};
            uint32_t st_name = rd32(s);
            sym.name = string_at(e, strtab, st_name);
            if (!sym.name)
                return ebpf_error(vm, EBPF_ERR_RELOCATION,
                                  "%s: relocation %llu: symbol %u's name (offset %u) is not a "
                                  "string inside the string table", relname,
                                  (unsigned long long)j, symi, st_name);
            if (!*sym.name && sym.is_section && sym.shndx < e->shnum)
                sym.name = section_name(e, sym.shndx, nb2);
            ebpf_status st = relocate(e, text, rodata, relname, r_offset, type, &sym);
            if (st != EBPF_OK) return st;
        }
    }
    return EBPF_OK;
}

ebpf_status ebpf_elf_load(ebpf_vm *vm, const uint8_t *data, size_t size) {
    elf e;
    memset(&e, 0, sizeof e);
    e.vm = vm;
    e.data = data;
    e.size = size;
    ebpf_status st = check_header(&e);
    if (st == EBPF_OK) st = read_sections(&e);
    if (st != EBPF_OK) return st;

    char nb[24];
    e.text = find_section(&e, SHF_ALLOC | SHF_EXECINSTR);
    if (e.text == 0)
        return ebpf_error(vm, EBPF_ERR_NO_CODE,
                          "no code section: no section (other than section 0) is PROGBITS with "
                          "flags exactly alloc+exec");
    const shdr *t = &e.sec[e.text];
    if (t->size == 0 || t->size % 8 != 0)
        return ebpf_error(vm, EBPF_ERR_PROGRAM_SIZE,
                          "the code section %s is %llu bytes, %s", section_name(&e, e.text, nb),
                          (unsigned long long)t->size,
                          t->size == 0 ? "empty (the device runs only the first alloc+exec "
                                         "section, from its first instruction)"
                                       : "not a whole number of 8-byte instructions");
    if (t->size / 8 > EBPF_MAX_INSTRUCTIONS)
        return ebpf_error(vm, EBPF_ERR_PROGRAM_SIZE,
                          "the code section %s has %llu instructions; the device's 16-bit pc "
                          "allows at most %d", section_name(&e, e.text, nb),
                          (unsigned long long)(t->size / 8), EBPF_MAX_INSTRUCTIONS);
    e.rodata = find_section(&e, SHF_ALLOC | SHF_MERGE | SHF_STRINGS);

    uint8_t *text = malloc((size_t)t->size);
    size_t rodata_size = e.rodata ? (size_t)e.sec[e.rodata].size : 0;
    uint8_t *rodata = e.rodata ? malloc(rodata_size + 1) : NULL; /* +1: never malloc(0) */
    if (!text || (e.rodata && !rodata)) {
        free(text);
        free(rodata);
        return ebpf_error(vm, EBPF_ERR_NO_MEMORY, "out of memory copying the code");
    }
    memcpy(text, data + t->offset, (size_t)t->size);
    if (rodata) memcpy(rodata, data + e.sec[e.rodata].offset, rodata_size);

    st = apply_relocations(&e, text, rodata);
    if (st != EBPF_OK) {
        free(text);
        free(rodata);
        return st;
    }
    st = ebpf_install(vm, text, (size_t)(t->size / 8), rodata, rodata_size);
    free(text);
    return st;
}

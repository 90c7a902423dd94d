/// Stage 6 of the pipeline: the `.csd` bundle container (manifest, sections, checksums) and the
/// generated eBPF wrapper that the drive's firmware loads.
///
/// Not built yet: see the runtime/bundle and end-to-end issues. The module exists so that the
/// dependency graph of the package already shows the architecture (Lowering → Bundle).
public enum CSDBundle {}

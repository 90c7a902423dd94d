import SwiftProtobuf

/// A bundle as vtac reads and writes it: the manifest as a typed message, and the raw sections.
public struct CSDBundle: Sendable {
    public var manifest: Vtac_Bundle_Manifest
    public var bpfELF: [UInt8]
    public var instructions: [UInt8]
    public var uops: [UInt8]
    public var constants: [UInt8]

    public init(
        manifest: Vtac_Bundle_Manifest, bpfELF: [UInt8] = [], instructions: [UInt8] = [], uops: [UInt8] = [],
        constants: [UInt8] = []
    ) {
        self.manifest = manifest
        self.bpfELF = bpfELF
        self.instructions = instructions
        self.uops = uops
        self.constants = constants
    }

    /// The bundle file. Deterministic: protobuf fields are written in field order, sections in
    /// kind order.
    public func encode() throws -> [UInt8] {
        let manifestBytes: [UInt8] = try manifest.serializedBytes()
        var sections: [SectionKind: [UInt8]] = [.manifest: manifestBytes]
        if !bpfELF.isEmpty { sections[.bpfELF] = bpfELF }
        if !instructions.isEmpty { sections[.instructions] = instructions }
        if !uops.isEmpty { sections[.uops] = uops }
        if !constants.isEmpty { sections[.constants] = constants }
        return BundleContainer(sections: sections).encode()
    }

    public static func decode(_ file: [UInt8], path: String) throws(BundleError) -> CSDBundle {
        let container = try BundleContainer.decode(file, path: path)
        let manifest: Vtac_Bundle_Manifest
        do {
            manifest = try Vtac_Bundle_Manifest(serializedBytes: container.sections[.manifest]!)
        } catch {
            throw BundleError(
                path: path, problem: "the manifest is not a valid vtac.bundle.Manifest: \(error)")
        }
        return CSDBundle(
            manifest: manifest, bpfELF: container.sections[.bpfELF] ?? [],
            instructions: container.sections[.instructions] ?? [], uops: container.sections[.uops] ?? [],
            constants: container.sections[.constants] ?? [])
    }
}

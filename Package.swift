// swift-tools-version:6.0
// The module graph is the architecture: each pipeline stage is one target and imports only
// earlier stages. frontend (TFLite) → GraphIR → VTATarget → Partitioning → Lowering → Bundle → CLI,
// with the C simulator beside them.
import PackageDescription

let package = Package(
    name: "vtac",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vtac", targets: ["vtac"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Stage 1: the TFLite frontend. C++ over flatc's generated reader, then Swift value types.
        .target(
            name: "CTFLiteReader",
            path: "Sources/CTFLiteReader",
            exclude: ["schema"]
        ),
        .target(name: "TFLite", dependencies: ["CTFLiteReader"]),
        // TFLite's integer arithmetic and parameter preparation, shared by every stage that
        // must reproduce the reference kernels (no dependencies).
        .target(name: "TFLiteArithmetic"),
        // Stage 2: the graph IR built from a TFLite model, and its passes.
        .target(name: "GraphIR", dependencies: ["TFLite"]),
        // Stage 3: the VTA hardware target: configuration, ISA, verifier, cost model.
        .target(name: "VTATarget", exclude: ["ASSEMBLY.md"]),
        // Stage 4: placement, device copies, layouts, memory plan, segments.
        .target(name: "Partitioning", dependencies: ["GraphIR", "VTATarget", "TFLiteArithmetic"]),
        // Stage 5: lowering to VTA microcode.
        .target(name: "Lowering", dependencies: ["Partitioning", "VTATarget", "TFLiteArithmetic"]),
        // Stage 6: the bundle container and the eBPF wrapper.
        .target(
            name: "Bundle",
            dependencies: [
                "Lowering", "Partitioning", "GraphIR", "TFLite", "TFLiteArithmetic", "VTATarget",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["BUNDLE_FORMAT.md"]
        ),
        // The reference VTA functional simulator behind the VTA driver API (C).
        .target(name: "CVTASim", dependencies: ["CVTAISA"], path: "Sources/CVTASim"),
        // The VTA instruction set in C, written once: layouts, decoding, the stream verifier.
        .target(name: "CVTAISA"),
        // The on-storage runtime (C): bundle loader, relocation, verification, steps, helpers.
        // Board code: it reaches the accelerator only through the VTA driver API.
        .target(
            name: "CSDRuntime", dependencies: ["CVTAISA", "CSDKernels"],
            exclude: ["host", "Makefile", "HELPERS.md", "README.md"],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        // The runtime on a host: our eBPF VM and the simulator behind the driver API.
        .target(
            name: "CSDHost", dependencies: ["CSDRuntime", "CEBPF", "CVTASim"], path: "Sources/CSDRuntime/host"
        ),
        .executableTarget(name: "csd-run", dependencies: ["CSDHost"]),
        // The CPU kernels of the on-storage runtime, bit-exact with TFLite's reference kernels (C).
        .target(name: "CSDKernels"),
        // The on-storage runtime's eBPF interpreter and ELF loader, with Alkali's loading rules (C).
        .target(name: "CEBPF"),
        // Tensors on disk (.npy), used by the CLI and the tests.
        .target(name: "NPY"),
        // Stage 7: the command line.
        .target(
            name: "VTACLI",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "TFLite", "GraphIR", "NPY", "VTATarget", "Partitioning", "Lowering", "Bundle", "CVTASim",
                "CSDHost",
                "CSDRuntime",
            ]
        ),
        .executableTarget(name: "vtac", dependencies: ["VTACLI"]),

        // Fixture paths and a runner for the built `vtac`, shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TFLiteTests", dependencies: ["TFLite", "GraphIR", "TestSupport"]),
        .testTarget(name: "NPYTests", dependencies: ["NPY", "TestSupport"]),
        .testTarget(
            name: "PartitioningTests",
            dependencies: ["Partitioning", "GraphIR", "VTATarget", "TFLite", "TestSupport"]),
        .testTarget(name: "VTATargetTests", dependencies: ["VTATarget", "TestSupport"]),
        .testTarget(name: "VTASimTests", dependencies: ["CVTASim"]),
        .testTarget(
            name: "BundleTests",
            dependencies: ["Bundle", "CEBPF", "CSDHost", "CSDRuntime", "CVTASim", "VTATarget", "TestSupport"]
        ),
        .testTarget(
            name: "LoweringTests",
            dependencies: ["Lowering", "VTATarget", "CVTASim", "TFLiteArithmetic", "TestSupport"]),
        .testTarget(name: "EBPFTests", dependencies: ["CEBPF", "TestSupport"]),
        .testTarget(name: "VTAVerifyTests", dependencies: ["CVTAISA", "VTATarget", "TestSupport"]),
        .testTarget(
            name: "CSDRuntimeTests",
            dependencies: [
                "CSDRuntime", "CSDHost", "CEBPF", "CVTASim", "CSDKernels", "Bundle", "VTATarget",
                "TestSupport", "csd-run",
            ]
        ),
        .testTarget(
            name: "CSDKernelsTests",
            dependencies: ["CSDKernels", "TFLiteArithmetic", "NPY", "TFLite", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["vtac", "csd-run", "NPY", "TestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)

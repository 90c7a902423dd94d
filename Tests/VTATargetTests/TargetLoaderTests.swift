import Foundation
import Testing
import VTATarget

@Suite("Target loading")
struct TargetLoaderTests {
    @Test(arguments: ["alkali", "pynq", "fsim", "cloud"])
    func shippedTargetsLoad(name: String) throws {
        let target = try shippedTarget(name)
        #expect(target.name == name)
        #expect(target.fifoDepth == 1024)
        #expect(!target.summary.isEmpty)
        #expect(
            FileManager.default.fileExists(
                atPath: schedulesRoot.appendingPathComponent("\(name)/README.md").path))
    }

    @Test func shippedTargetParameters() throws {
        let alkali = try shippedTarget("alkali")
        #expect(alkali.config == HardwareConfig.tvmDefault.withTarget("pynq"))
        #expect(alkali.profile == .stock && alkali.clockMHz == 200 && alkali.busWidthBits == 64)
        let pynq = try shippedTarget("pynq")
        #expect(pynq.config == alkali.config && pynq.profile == .stock && pynq.clockMHz == 100)
        let fsim = try shippedTarget("fsim")
        #expect(fsim.profile == .extended && fsim.config.layout == alkali.config.layout)
        let cloud = try shippedTarget("cloud")
        #expect(cloud.profile == .extended && cloud.busWidthBits == 512 && cloud.config.blockOut == 32)
        #expect(Target.defaultName == "alkali")
        #expect(
            TargetLoader(roots: [schedulesRoot]).availableTargets() == ["alkali", "cloud", "fsim", "pynq"])
    }

    @Test func unknownNameListsWhatExists() {
        do {
            _ = try Target.load(name: "zcu999", schedulesRoots: [schedulesRoot])
            Issue.record("expected an error")
        } catch {
            guard case .targetNotFound(let name, _, let available) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(name == "zcu999" && available.contains("alkali"))
        }
        #expect(throws: TargetLoadError.invalidName(name: "../x")) {
            try Target.load(name: "../x", schedulesRoots: [schedulesRoot])
        }
    }

    // MARK: Malformed targets

    static var goodConfig: [String: Any] {
        [
            "TARGET": "pynq", "HW_VER": "0.0.2", "LOG_INP_WIDTH": 3, "LOG_WGT_WIDTH": 3, "LOG_ACC_WIDTH": 5,
            "LOG_BATCH": 0, "LOG_BLOCK": 4, "LOG_UOP_BUFF_SIZE": 15, "LOG_INP_BUFF_SIZE": 15,
            "LOG_WGT_BUFF_SIZE": 18, "LOG_ACC_BUFF_SIZE": 17,
        ]
    }
    static var goodTarget: [String: Any] {
        [
            "isa_profile": "stock", "clock_mhz": 200, "bus_width_bits": 64, "fifo_depth": 1024,
            "cycle_model": [
                "dma_latency_cycles": 40, "gemm_cycles_per_uop": 1, "alu_tensor_cycles_per_uop": 2,
                "alu_immediate_cycles_per_uop": 1, "instruction_overhead_cycles": 8,
            ],
        ]
    }

    /// Writes a target folder (raw text for either file when given) and loads it.
    func load(
        config: [String: Any] = goodConfig, target: [String: Any] = goodTarget, rawConfig: String? = nil,
        rawTarget: String? = nil
    ) throws -> Target {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtac-\(UUID().uuidString)/t")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let configText =
            try rawConfig ?? String(decoding: JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let targetText =
            try rawTarget ?? String(decoding: JSONSerialization.data(withJSONObject: target), as: UTF8.self)
        try configText.write(
            to: folder.appendingPathComponent("vta_config.json"), atomically: true, encoding: .utf8)
        try targetText.write(
            to: folder.appendingPathComponent("target.json"), atomically: true, encoding: .utf8)
        return try Target.load(directory: folder)
    }

    /// Loads a config with `changes` applied (nil removes the key) and returns the error.
    func configError(_ changes: [String: Any?]) -> TargetLoadError? {
        var config = Self.goodConfig
        for (key, value) in changes { config[key] = value }
        do {
            _ = try load(config: config)
            return nil
        } catch let error as TargetLoadError {
            return error
        } catch {
            return nil
        }
    }

    func targetError(_ changes: [String: Any?]) -> TargetLoadError? {
        var target = Self.goodTarget
        for (key, value) in changes { target[key] = value }
        do {
            _ = try load(target: target)
            return nil
        } catch let error as TargetLoadError {
            return error
        } catch {
            return nil
        }
    }

    @Test func goodFolderLoads() throws {
        let target = try load()
        #expect(
            target.name == "t" && target.config.depth(.input) == 2048
                && target.cycleModel.dmaLatencyCycles == 40)
    }

    @Test func olderBlockKeysAreAccepted() throws {
        var config = Self.goodConfig
        config["LOG_BLOCK"] = nil
        config["LOG_BLOCK_IN"] = 4
        config["LOG_BLOCK_OUT"] = 4
        config["LOG_OUT_WIDTH"] = 3
        config["LOG_OUT_BUFF_SIZE"] = 15
        config["ACC_DEP_DISTANCE"] = 3  // an unrelated TVM key: ignored
        #expect(try load(config: config).config.blockIn == 16)
    }

    @Test func missingKey() {
        let error = configError(["LOG_WGT_BUFF_SIZE": nil])
        #expect(error == .missingKey(path: error?.path ?? "", key: "LOG_WGT_BUFF_SIZE"))
        #expect(error?.path?.hasSuffix("t/vta_config.json") == true)
        #expect(error?.description.hasSuffix("vta_config.json: missing key \"LOG_WGT_BUFF_SIZE\"") == true)
        #expect(configError(["LOG_BLOCK": nil])?.description.hasSuffix("missing key \"LOG_BLOCK\"") == true)
        #expect(
            configError(["LOG_BLOCK": nil, "LOG_BLOCK_IN": 4])?.description.hasSuffix(
                "missing key \"LOG_BLOCK_OUT\"")
                == true)
        #expect(
            targetError(["clock_mhz": nil])?.description.hasSuffix("target.json: missing key \"clock_mhz\"")
                == true)
        var target = Self.goodTarget
        target["cycle_model"] = ["dma_latency_cycles": 1]
        #expect(throws: TargetLoadError.self) { try load(target: target) }
    }

    @Test func wrongType() {
        #expect(
            configError(["LOG_BLOCK": "4"])?.description.hasSuffix(
                "key \"LOG_BLOCK\" must be an integer, found a string") == true)
        #expect(
            configError(["LOG_BATCH": 0.5])?.description.hasSuffix(
                "key \"LOG_BATCH\" must be an integer, found a non-integer number") == true)
        #expect(
            configError(["TARGET": 3])?.description.hasSuffix(
                "key \"TARGET\" must be a string, found an integer") == true)
        #expect(
            targetError(["fifo_depth": true])?.description.hasSuffix(
                "key \"fifo_depth\" must be an integer, found a boolean") == true)
        #expect(
            targetError(["cycle_model": 3])?.description.hasSuffix(
                "key \"cycle_model\" must be an object, found an integer") == true)
    }

    @Test func widthsOtherThanInt8Int8Int32() {
        let error = configError(["LOG_INP_WIDTH": 4])
        #expect(
            error?.description.contains("key \"LOG_INP_WIDTH\": LOG_INP_WIDTH = 4 (16-bit values)") == true)
        #expect(configError(["LOG_ACC_WIDTH": 4])?.description.contains("key \"LOG_ACC_WIDTH\"") == true)
        #expect(configError(["LOG_WGT_WIDTH": 2])?.description.contains("key \"LOG_WGT_WIDTH\"") == true)
    }

    @Test func bufferTooSmallForOneElement() {
        // A weight tile is 256 bytes: a 128-byte buffer cannot hold one.
        let error = configError(["LOG_WGT_BUFF_SIZE": 7])
        #expect(
            error?.description.hasSuffix(
                "key \"LOG_WGT_BUFF_SIZE\": LOG_WGT_BUFF_SIZE gives the WGT buffer 128 bytes, less than one"
                    + " 256-byte element") == true)
    }

    @Test func depthsTooLargeForTheFields() {
        // 2^16 inputs per bank would still be addressable, but the GEMM word overflows.
        let gemm = configError(["LOG_INP_BUFF_SIZE": 17])
        #expect(gemm?.description.contains("key \"LOG_INP_BUFF_SIZE\"") == true)
        #expect(gemm?.description.contains("128-bit word") == true)
        // Beyond the 16-bit sram_base.
        #expect(configError(["LOG_ACC_BUFF_SIZE": 23])?.description.contains("16-bit sram_base") == true)
        // A micro-op buffer over 8192 entries pushes iter_in past bit 64 and the GEMM word overflows.
        #expect(
            configError(["LOG_UOP_BUFF_SIZE": 16])?.description.contains("key \"LOG_UOP_BUFF_SIZE\"") == true)
        // The cloud sizes one might try first do not encode either.
        #expect(
            configError([
                "LOG_BLOCK": 5, "LOG_INP_BUFF_SIZE": 17, "LOG_WGT_BUFF_SIZE": 20, "LOG_ACC_BUFF_SIZE": 19,
                "LOG_UOP_BUFF_SIZE": 17,
            ]) != nil)
        #expect(configError(["LOG_BLOCK": 40])?.description.contains("outside") == true)
    }

    @Test func inconsistentKeys() {
        #expect(
            configError(["LOG_BLOCK_IN": 4, "LOG_BLOCK_OUT": 5])?.description.contains("key \"LOG_BLOCK\"")
                == true)
        #expect(configError(["LOG_OUT_WIDTH": 5])?.description.contains("key \"LOG_OUT_WIDTH\"") == true)
        #expect(
            configError(["LOG_OUT_BUFF_SIZE": 17])?.description.contains("key \"LOG_OUT_BUFF_SIZE\"") == true)
    }

    @Test func badTargetFields() {
        #expect(
            targetError(["isa_profile": "deluxe"])?.description.hasSuffix(
                "target.json: key \"isa_profile\": unknown profile \"deluxe\" (expected \"stock\" or \"extended\")"
            )
                == true)
        #expect(targetError(["bus_width_bits": 48])?.description.contains("key \"bus_width_bits\"") == true)
        #expect(targetError(["clock_mhz": -5])?.description.contains("key \"clock_mhz\"") == true)
        #expect(
            targetError(["fifo_depth": 0])?.description.contains("key \"fifo_depth\": 0 is outside") == true)
        #expect(
            targetError(["clock_hz": 5])?.description.contains("target.json: unknown key \"clock_hz\"")
                == true)
        var target = Self.goodTarget
        var cycles = target["cycle_model"] as! [String: Any]
        cycles["gemm_cycles_per_uop"] = 0
        target["cycle_model"] = cycles
        #expect(throws: TargetLoadError.self) { try load(target: target) }
    }

    @Test func malformedJSON() {
        #expect {
            try load(rawConfig: "{ \"TARGET\": ")
        } throws: { error in
            (error as? TargetLoadError)?.description.contains("vta_config.json: not valid JSON") == true
        }
        #expect {
            try load(rawTarget: "[1, 2]")
        } throws: { error in
            (error as? TargetLoadError)?.description.hasSuffix(
                "target.json: not valid JSON: the top level must be an object, found an array") == true
        }
    }
}

extension HardwareConfig {
    /// The same sizes under another TARGET name.
    func withTarget(_ name: String) -> HardwareConfig {
        try! HardwareConfig(
            target: name, hardwareVersion: hardwareVersion, logBatch: logBatch, logBlockIn: logBlockIn,
            logBlockOut: logBlockOut, logUopBufferSize: logUopBufferSize,
            logInputBufferSize: logInputBufferSize,
            logWeightBufferSize: logWeightBufferSize, logAccumulatorBufferSize: logAccumulatorBufferSize)
    }
}

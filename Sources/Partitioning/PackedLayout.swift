import VTATarget

/// VTA's packed activation layout for an NHWC tensor [N, H, W, C]:
/// [N/BATCH][ceil(C/BLOCK)][H + halo][W + halo][BATCH][BLOCK] int8, channels padded to BLOCK.
/// The halo is rows and columns around the value that hold a fill (the zero point, for
/// convolutions whose padded taps must read it). This is the layout the manifest's
/// `LAYOUT_VTA_PACKED` names; the runtime's copies convert to and from NHWC.
public struct PackedLayout: Sendable, Equatable {
    public var shape: [Int]
    public var batch: Int
    public var block: Int
    public var halo: Padding2DHalo

    public init(shape: [Int], config: HardwareConfig, halo: Padding2DHalo = .none) {
        // Lower ranks as the runtime reads them: [N, C] → [N, 1, 1, C], [N, X, C] → [N, 1, X, C],
        // [C] → [1, 1, 1, C].
        switch shape.count {
        case 0: self.shape = [1, 1, 1, 1]
        case 1: self.shape = [1, 1, 1, shape[0]]
        case 2: self.shape = [shape[0], 1, 1, shape[1]]
        case 3: self.shape = [shape[0], 1, shape[1], shape[2]]
        default: self.shape = Array(shape.suffix(4))
        }
        batch = config.batch
        block = config.blockOut
        self.halo = halo
    }

    public var n: Int { shape[0] }
    public var h: Int { shape[1] }
    public var w: Int { shape[2] }
    public var c: Int { shape[3] }
    public var channelBlocks: Int { (c + block - 1) / block }
    public var paddedH: Int { h + halo.top + halo.bottom }
    public var paddedW: Int { w + halo.left + halo.right }

    /// Bytes of the whole tensor, halo and channel padding included.
    public var byteCount: Int {
        ((n + batch - 1) / batch) * channelBlocks * paddedH * paddedW * batch * block
    }

    /// Byte offset of element (n, y, x, c) of the value (not the halo).
    public func offset(n: Int, y: Int, x: Int, c: Int) -> Int {
        let outer = ((n / batch) * channelBlocks + c / block) * paddedH + (y + halo.top)
        return ((outer * paddedW + (x + halo.left)) * batch + n % batch) * block + c % block
    }
}

/// Rows and columns of halo around a packed tensor.
public struct Padding2DHalo: Sendable, Equatable, Hashable {
    public var top: Int, bottom: Int, left: Int, right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }
    public static let none = Padding2DHalo(top: 0, bottom: 0, left: 0, right: 0)

    /// The smallest halo that contains both.
    public func union(_ other: Padding2DHalo) -> Padding2DHalo {
        Padding2DHalo(
            top: max(top, other.top), bottom: max(bottom, other.bottom), left: max(left, other.left),
            right: max(right, other.right))
    }
}

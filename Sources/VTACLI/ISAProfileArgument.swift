import ArgumentParser
import VTATarget

/// `--isa stock|extended`.
extension ISAProfile: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument)
    }

    public static var allValueStrings: [String] { ["stock", "extended"] }
}

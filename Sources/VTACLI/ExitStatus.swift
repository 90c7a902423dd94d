import ArgumentParser
import Bundle
import Foundation
import GraphIR
import NPY
import TFLite
import VTATarget

/// Exit statuses, after BSD's sysexits: scripts can tell a bad input from a bug in vtac.
public enum ExitStatus: Int32 {
    /// The command line itself is wrong (swift-argument-parser's own status).
    case usage = 64
    /// An input file is missing, malformed, or asks for something vtac does not support.
    case badInput = 65
    /// vtac itself failed; please report it.
    case internalError = 70
}

/// Runs a command body, turning every error into one line on standard error and the matching
/// exit status, so that no error escapes as a crash or a stack trace.
enum ErrorReporting {
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as TFLiteError {
            throw fail(error.description, .badInput)
        } catch let error as GraphError {
            throw fail(error.description, .badInput)
        } catch let error as NPYError {
            throw fail(error.description, .badInput)
        } catch let error as BadInput {
            throw fail(error.message, .badInput)
        } catch let error as TargetLoadError {
            throw fail(error.description, .badInput)
        } catch let error as PackagingError {
            throw fail(error.description, .badInput)
        } catch let error as BundleError {
            throw fail(error.description, .badInput)
        } catch {
            throw fail("internal error: \(error)", .internalError)
        }
    }

    private static func fail(_ message: String, _ status: ExitStatus) -> ExitCode {
        FileHandle.standardError.write(Data("vtac: error: \(message)\n".utf8))
        return ExitCode(status.rawValue)
    }
}

/// A bad-input condition found by the CLI itself (e.g. an unknown file kind).
struct BadInput: Error {
    var message: String
}

import Crypto
import Foundation
public import NIOSSL
import SwiftASN1
import X509

/// The web server's certificate and key: the configured files, or a self-signed pair made once
/// into the data folder (its SHA-256 fingerprint is logged, so a browser's warning can be checked).
public struct TLSIdentity: Sendable {
    public let certificateChain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// SHA-256 of the leaf certificate (DER), as colon-separated hex.
    public let fingerprint: String
    /// True when it was generated at this start.
    public let generated: Bool

    /// Loads `certFile`/`keyFile`, or the self-signed pair under `directory` (made when missing).
    public static func load(certFile: String?, keyFile: String?, directory: String, hostName: String) throws -> TLSIdentity {
        var generated = false
        let (cert, key): (String, String)
        if let certFile, let keyFile {
            (cert, key) = (certFile, keyFile)
        } else {
            (cert, key) = ("\(directory)/web-cert.pem", "\(directory)/web-key.pem")
            if !FileManager.default.fileExists(atPath: cert) || !FileManager.default.fileExists(atPath: key) {
                try makeSelfSigned(cert: cert, key: key, hostName: hostName)
                generated = true
            }
        }
        let chain = try NIOSSLCertificate.fromPEMFile(cert)
        guard let leaf = chain.first else { throw TLSIdentityError("\(cert) holds no certificate") }
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        let der = try leaf.toDERBytes()
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
        return TLSIdentity(certificateChain: chain, privateKey: privateKey, fingerprint: fingerprint, generated: generated)
    }

    /// A P-256 key and a certificate for `hostName`, localhost and 127.0.0.1, valid for ten years.
    static func makeSelfSigned(cert: String, key: String, hostName: String) throws {
        let privateKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(hostName)
            OrganizationName("BTMS gateway (self-signed)")
        }
        let now = Date()
        var names: [GeneralName] = [.dnsName(hostName), .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        if hostName == "localhost" { names.remove(at: 1) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(privateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(privateKey))
        // The key first, private from the start.
        guard FileManager.default.createFile(atPath: key, contents: Data(privateKey.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: key])
        }
        try certificate.serializeAsPEM().pemString.write(toFile: cert, atomically: true, encoding: .utf8)
    }
}

public struct TLSIdentityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

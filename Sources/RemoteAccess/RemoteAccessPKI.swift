import BatteryModel
import Crypto
public import Foundation
import NIOSSL
public import GatewayConfig
public import SwiftASN1
public import X509

/// The gateway's small certificate authority for remote access: it signs the listener's own
/// certificate and the client certificates an administrator issues, each carrying its holder's
/// role in the Modbus/TCP Security role extension. Its files live in `<data>/remote-access/`
/// (keys 0600, the folder 0700) and are made at the first start.
public struct RemoteAccessPKI: Sendable {
    /// The role extension of Modbus/TCP Security (Modbus Organization, 2018): an ASN.1 UTF8String.
    public static let roleOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 50316, 802, 1]

    public let directory: String
    public let authority: Certificate
    /// The authority's key (raw, since the key type is not Sendable): made a key at each signing.
    let authorityKeyRaw: Data
    var authorityKey: P256.Signing.PrivateKey {
        get throws { try P256.Signing.PrivateKey(rawRepresentation: authorityKeyRaw) }
    }

    public var authorityFile: String { "\(directory)/ca.pem" }
    public var serverCertificateFile: String { "\(directory)/server.pem" }
    public var serverKeyFile: String { "\(directory)/server-key.pem" }

    /// Loads the authority under `directory`, or makes it (and the listener's certificate for `hostName`).
    public static func load(directory: String, hostName: String, organization: String) throws -> RemoteAccessPKI {
        // The data folder with its usual rights; only this folder is private.
        try FileManager.default.createDirectory(atPath: (directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyFile = "\(directory)/ca-key.pem", certFile = "\(directory)/ca.pem"
        let pki: RemoteAccessPKI
        if FileManager.default.fileExists(atPath: keyFile), FileManager.default.fileExists(atPath: certFile) {
            let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: keyFile, encoding: .utf8))
            let cert = try Certificate(pemEncoded: String(contentsOfFile: certFile, encoding: .utf8))
            pki = RemoteAccessPKI(directory: directory, authority: cert, authorityKeyRaw: key.rawRepresentation)
        } else {
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                CommonName("BTMS gateway remote-access CA")
                OrganizationName(organization)
            }
            let now = Date()
            let cert = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(20 * 365 * 86400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(key.publicKey))
                },
                issuerPrivateKey: .init(key))
            try writePrivate(key.pemRepresentation, to: keyFile)
            try cert.serializeAsPEM().pemString.write(toFile: certFile, atomically: true, encoding: .utf8)
            pki = RemoteAccessPKI(directory: directory, authority: cert, authorityKeyRaw: key.rawRepresentation)
        }
        if !FileManager.default.fileExists(atPath: pki.serverCertificateFile) || !FileManager.default.fileExists(atPath: pki.serverKeyFile) {
            try pki.makeServerCertificate(hostName: hostName)
        }
        return pki
    }

    /// A certificate and its key, both PEM.
    public struct Issued: Sendable {
        public let serial: String
        public let certificatePEM: String
        public let keyPEM: String
        public let notValidBefore: Date
        public let notValidAfter: Date
        /// SHA-256 of the certificate (DER), colon-separated hex.
        public let fingerprint: String
    }

    /// A client certificate for `name` with `role`, valid `days` from now.
    public func issueClient(name: String, role: String, days: Int, now: Date = Date()) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CommonName(name)
            OrganizationalUnitName(role)
            OrganizationName(authority.subject.organization)
        }
        let (from, until) = (now.addingTimeInterval(-300), now.addingTimeInterval(Double(days) * 86400))
        let serial = Certificate.SerialNumber()
        let cert = try Certificate(
            version: .v3, serialNumber: serial, publicKey: .init(key.publicKey),
            notValidBefore: from, notValidAfter: until, issuer: authority.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                try Self.roleExtension(role)
            },
            issuerPrivateKey: .init(try authorityKey))
        return Issued(serial: Self.hex(serial), certificatePEM: try cert.serializeAsPEM().pemString, keyPEM: key.pemRepresentation,
                      notValidBefore: from, notValidAfter: until, fingerprint: try Self.fingerprint(cert))
    }

    /// The shortest PKCS#12 password accepted: the file carries the private key.
    public static let minimumPKCS12PasswordLength = 8

    /// Why `password` cannot protect a PKCS#12 file, or nil when it can (checked before issuing,
    /// so a refused password issues nothing).
    public static func pkcs12PasswordProblem(_ password: String) -> String? {
        if password.utf8.count < minimumPKCS12PasswordLength {
            return "at least \(minimumPKCS12PasswordLength) characters: the file carries the private key"
        }
        return password.utf8.contains(0) ? "a NUL character is not allowed" : nil
    }

    /// `issued` as a password-protected PKCS#12 file with this CA after it, written by swift-nio-ssl
    /// (BoringSSL's PKCS12_create: PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256 for key and certificates).
    public func pkcs12(_ issued: Issued, password: String) throws -> [UInt8] {
        if let problem = Self.pkcs12PasswordProblem(password) { throw IssueError(field: "password", description: problem) }
        let chain = [
            try NIOSSLCertificate(bytes: Array(issued.certificatePEM.utf8), format: .pem),
            try NIOSSLCertificate(bytes: Array(try authority.serializeAsPEM().pemString.utf8), format: .pem),
        ]
        let key = try NIOSSLPrivateKey(bytes: Array(issued.keyPEM.utf8), format: .pem)
        return try NIOSSLPKCS12Bundle(certificateChain: chain, privateKey: key).serialize(passphrase: Array(password.utf8))
    }

    /// The listener's certificate: for `hostName`, localhost and 127.0.0.1, signed by the authority.
    func makeServerCertificate(hostName: String) throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CommonName(hostName)
            OrganizationName(authority.subject.organization)
        }
        var names: [GeneralName] = [.dnsName(hostName), .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        if hostName == "localhost" { names.remove(at: 1) }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: authority.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(try authorityKey))
        try Self.writePrivate(key.pemRepresentation, to: serverKeyFile)
        try cert.serializeAsPEM().pemString.write(toFile: serverCertificateFile, atomically: true, encoding: .utf8)
    }

    static func roleExtension(_ role: String) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1UTF8String(role))
        return Certificate.Extension(oid: roleOID, critical: false, value: serializer.serializedBytes[...])
    }

    /// The role a certificate carries, if any (nil also when the extension is not a UTF8String).
    public static func role(of certificate: Certificate) -> String? {
        guard let ext = certificate.extensions[oid: roleOID] else { return nil }
        return (try? ASN1UTF8String(derEncoded: ext.value)).map(String.init)
    }

    public static func hex(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func fingerprint(_ cert: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(cert)
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    private static func writePrivate(_ text: String, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

extension DistinguishedName {
    /// The first organization (O) attribute, or a default.
    var organization: String {
        for rdn in self {
            for attribute in rdn where attribute.type == .RDNAttributeType.organizationName {
                return attribute.value.description
            }
        }
        return "BTMS gateway"
    }
}

extension RemoteAccessPKI {
    public struct IssueError: Error, CustomStringConvertible {
        public let field: String
        public let description: String
    }

    /// Issues a client certificate to `name` with `role` (one of `roles`) and records it; `by` is the administrator.
    public func issue(name: String, role: String, days: Int, roles: some Collection<String>, by: String,
                      into certificates: IssuedCertificates, now: Date = Date()) throws -> Issued {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), !name.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }) else {
            throw IssueError(field: "name", description: "name: give the engineer's name, 1–64 characters")
        }
        guard roles.contains(role) else {
            throw IssueError(field: "role", description: "role: '\(role)' is not one of \(roles.sorted().joined(separator: ", "))")
        }
        guard (1...3650).contains(days) else { throw IssueError(field: "days", description: "days: 1…3650") }
        let issued = try issueClient(name: name, role: role, days: days, now: now)
        try certificates.add(IssuedCertificate(serial: issued.serial, name: name, role: role, notBefore: Self.millis(issued.notValidBefore),
                                               notAfter: Self.millis(issued.notValidAfter), fingerprint: issued.fingerprint,
                                               issuedAt: Self.millis(now), issuedBy: by))
        return issued
    }

    static func millis(_ d: Date) -> Int64 { Timestamp(d).millis }
}

extension RemoteAccessPKI {
    /// The remote-access CA's folder in the data folder.
    public static func directory(dataDirectory: String) -> String { "\(dataDirectory)/remote-access" }

    /// The authority of the gateway `config` describes (made at the first use).
    public static func load(config: GatewayConfig) throws -> RemoteAccessPKI {
        try load(directory: directory(dataDirectory: config.dataDirectory),
                 hostName: config.remoteAccess?.hostName ?? RemoteAccessSettings().hostName,
                 organization: "BTMS gateway \(config.gatewayId)")
    }
}

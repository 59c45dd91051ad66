package app

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
)

// The certificate commands of OCPP 2.0.1 (M03, M04, M05): the certificates
// a station trusts, read, installed and deleted. OCPP 1.6 has them only in
// its security extension, which fleetcharge does not speak: on a 1.6
// station they are unprocessable.
const (
	CommandGetInstalledCertificateIDs = "get-installed-certificate-ids"
	CommandInstallCertificate         = "install-certificate"
	CommandDeleteCertificate          = "delete-certificate"
)

// The certificate types of the commands, as OCPP 2.0.1 names them.
var (
	// InstalledCertificateTypes are those get-installed-certificate-ids
	// may ask for (GetCertificateIdUseEnumType).
	InstalledCertificateTypes = []string{"V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "V2GCertificateChain", "ManufacturerRootCertificate"}
	// InstallCertificateTypes are those install-certificate installs
	// (InstallCertificateUseEnumType).
	InstallCertificateTypes = []string{"V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "ManufacturerRootCertificate"}
	// HashAlgorithms are those a certificate's hash data is made with.
	HashAlgorithms = []string{"SHA256", "SHA384", "SHA512"}
)

// CertificateHash names a certificate a station has installed, as
// get-installed-certificate-ids lists them (OCPP 2.0.1
// CertificateHashDataType): hexadecimal hashes of its issuer's name and key
// and its serial number.
type CertificateHash struct {
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

// certificateCall checks the arguments of a certificate command, adding
// what is wrong to fields, and returns its OCPP 2.0.1 request.
func certificateCall(cmd Command, fields map[string]string) any {
	switch cmd.Name {
	case CommandGetInstalledCertificateIDs:
		for i, t := range cmd.CertificateTypes {
			if !slices.Contains(InstalledCertificateTypes, t) {
				fields[fmt.Sprintf("certificate_types[%d]", i)] = "must be one of " + joinQuoted(InstalledCertificateTypes)
			}
		}
		return struct {
			CertificateType []string `json:"certificateType,omitempty"`
		}{cmd.CertificateTypes}
	case CommandInstallCertificate:
		if !slices.Contains(InstallCertificateTypes, cmd.Type) {
			fields["certificate_type"] = "must be one of " + joinQuoted(InstallCertificateTypes)
		}
		if problem := certificateProblem(cmd.Certificate); problem != "" {
			fields["certificate"] = problem
		}
		return struct {
			CertificateType string `json:"certificateType"`
			Certificate     string `json:"certificate"`
		}{cmd.Type, cmd.Certificate}
	case CommandDeleteCertificate:
		h := cmd.CertificateHash
		if !slices.Contains(HashAlgorithms, h.HashAlgorithm) {
			fields["hash_algorithm"] = "must be one of " + joinQuoted(HashAlgorithms)
		}
		for _, f := range []struct {
			name, value string
			max         int
		}{{"issuer_name_hash", h.IssuerNameHash, 128}, {"issuer_key_hash", h.IssuerKeyHash, 128}, {"serial_number", h.SerialNumber, 40}} {
			if _, err := hex.DecodeString(evenHex(f.value)); err != nil || f.value == "" || len(f.value) > f.max {
				fields[f.name] = fmt.Sprintf("must be 1 to %d hexadecimal digits", f.max)
			}
		}
		return struct {
			CertificateHashData CertificateHash `json:"certificateHashData"`
		}{h}
	}
	return nil
}

// certificateProblem says what is wrong with a certificate to install, or
// "": it must be one PEM X.509 certificate of at most 5500 characters (OCPP
// 2.0.1's limit).
func certificateProblem(s string) string {
	if s == "" || len(s) > 5500 {
		return "is required: one PEM certificate of at most 5500 characters"
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" || strings.TrimSpace(string(rest)) != "" {
		return "must be one PEM certificate (-----BEGIN CERTIFICATE-----)"
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return "is not an X.509 certificate"
	}
	return ""
}

// evenHex pads an odd number of hexadecimal digits (a serial number may
// have them) for decoding.
func evenHex(s string) string {
	if len(s)%2 == 1 {
		return "0" + s
	}
	return s
}

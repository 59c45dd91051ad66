package api

import (
	"net/http"

	"github.com/fleetcharge/fleetcharge/app"
)

// The bodies of the certificate commands (OCPP 2.0.1 stations only).

type getInstalledCertificateIDsInput struct {
	CertificateTypes []string `json:"certificate_types" doc:"the types asked for, of V2GRootCertificate, MORootCertificate, CSMSRootCertificate, V2GCertificateChain, ManufacturerRootCertificate; absent for all"`
}

type installCertificateInput struct {
	CertificateType string `json:"certificate_type" required:"true" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,ManufacturerRootCertificate" doc:"what the station is to trust the certificate for"`
	Certificate     string `json:"certificate" required:"true" max:"5500" doc:"one PEM X.509 certificate"`
}

type deleteCertificateInput struct {
	HashAlgorithm  string `json:"hash_algorithm" required:"true" enum:"SHA256,SHA384,SHA512" doc:"the hash of the certificate's hash data"`
	IssuerNameHash string `json:"issuer_name_hash" required:"true" max:"128" doc:"hexadecimal hash of the issuer's distinguished name, as get-installed-certificate-ids lists it"`
	IssuerKeyHash  string `json:"issuer_key_hash" required:"true" max:"128" doc:"hexadecimal hash of the issuer's public key"`
	SerialNumber   string `json:"serial_number" required:"true" max:"40" doc:"the certificate's serial number, hexadecimal"`
}

// decodeCertificateCommand reads the body of a certificate command into
// cmd.
func (s *Server) decodeCertificateCommand(w http.ResponseWriter, r *http.Request, cmd *app.Command) error {
	var err error
	switch cmd.Name {
	case app.CommandGetInstalledCertificateIDs:
		var in getInstalledCertificateIDsInput
		_, err = s.decode(w, r, &in)
		cmd.CertificateTypes = in.CertificateTypes
	case app.CommandInstallCertificate:
		var in installCertificateInput
		_, err = s.decode(w, r, &in)
		cmd.Type, cmd.Certificate = in.CertificateType, in.Certificate
	case app.CommandDeleteCertificate:
		var in deleteCertificateInput
		_, err = s.decode(w, r, &in)
		cmd.CertificateHash = app.CertificateHash{HashAlgorithm: in.HashAlgorithm, IssuerNameHash: in.IssuerNameHash, IssuerKeyHash: in.IssuerKeyHash, SerialNumber: in.SerialNumber}
	}
	return err
}

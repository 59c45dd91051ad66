package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

type signCertificateRequest struct {
	CSR             string `json:"csr"`
	CertificateType string `json:"certificateType"`
}

// statusInfo201 is OCPP 2.0.1's StatusInfoType: why an answer is what it
// is.
type statusInfo201 struct {
	ReasonCode     string `json:"reasonCode"`               // at most 20 characters
	AdditionalInfo string `json:"additionalInfo,omitempty"` // at most 512
}

type signCertificateResponse struct {
	Status     string         `json:"status"`
	StatusInfo *statusInfo201 `json:"statusInfo,omitempty"`
}

// signCertificate answers a station that asks for a new client certificate
// (OCPP 2.0.1 A02/A03): the CSR is signed at once with its provider's CA
// key, and when that succeeds the answer is Accepted and the certificate
// goes to the station in a CertificateSigned call once the answer is sent.
// The answer is Rejected when the endpoint has no authorities, the
// provider has no CA or keeps its key elsewhere, the station asks for a
// V2G certificate (the ISO 15118 PKI issues those), or the CSR does not
// pass signCSR (a bad signature, a weak key, another station's name).
func (s *Server) signCertificate(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[signCertificateRequest](payload)
	if err != nil {
		return nil, err
	}
	reject := func(reason, info string) (any, error) {
		s.log.Info("certificate signing refused", "station", st.Identity, "reason", reason, "info", info)
		return signCertificateResponse{Status: "Rejected", StatusInfo: &statusInfo201{ReasonCode: reason, AdditionalInfo: truncate(info, 512)}}, nil
	}
	if req.CertificateType == "V2GCertificate" {
		return reject("UnsupportedCertType", "V2G certificates are issued by the ISO 15118 PKI, not by this CSMS")
	}
	if s.cfg.Authorities == nil {
		return reject("NoCA", "this CSMS signs no station certificates")
	}
	stored, err := s.cfg.Authorities.store.ProviderCA(ctx, st.ProviderID)
	if fc.IsCode(err, fc.ENotFound) {
		return reject("NoCA", "the operator has configured no certificate authority")
	} else if err != nil {
		return nil, err
	}
	if stored.KeyPEM == "" {
		return reject("NoCAKey", "the operator's CA key is kept elsewhere")
	}
	ca, err := ParseCA([]byte(stored.CertPEM), []byte(stored.KeyPEM))
	if err != nil {
		return nil, errors.Join(errors.New("the provider's CA does not parse"), err)
	}
	chain, err := ca.signCSR(req.CSR, st.Identity, time.Now())
	if err != nil {
		var e *fc.Error
		if !errors.As(err, &e) {
			return nil, err
		}
		return reject("InvalidCSR", e.Message)
	}
	typ := req.CertificateType
	identity := st.Identity
	then := func() { s.certificateSigned(identity, chain, typ) }
	return answerThen{answer: signCertificateResponse{Status: "Accepted"}, then: then}, nil
}

// certificateSigned sends a station its new certificate (CertificateSigned)
// and logs what it answered.
func (s *Server) certificateSigned(identity, chain, typ string) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.CallTimeout)
	defer cancel()
	req := struct {
		CertificateChain string `json:"certificateChain"`
		CertificateType  string `json:"certificateType,omitempty"`
	}{chain, typ}
	status, err := s.callStatus(ctx, identity, "CertificateSigned", req)
	if err != nil {
		s.log.Warn("sending a signed certificate", "station", identity, "err", err)
		return
	}
	s.log.Info("signed certificate sent", "station", identity, "status", status)
}

// answerThen is a handler's answer with work to start once the answer is
// sent: a call to the station that must follow it.
type answerThen struct {
	answer any
	then   func()
}

// splitThen returns a handler's answer and the work it left for after it.
func splitThen(resp any) (any, func()) {
	if a, ok := resp.(answerThen); ok {
		return a.answer, a.then
	}
	return resp, nil
}

// andThen returns work that does first, then second; first may be nil.
func andThen(first, second func()) func() {
	if first == nil {
		return second
	}
	return func() { first(); second() }
}

// startThen starts the work the last answer left, in its own goroutine:
// it may call the station, whose answer this goroutine has to read.
func (c *conn) startThen() {
	if f := c.then; f != nil {
		c.then = nil
		go f()
	}
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// The provider's own settings and its OCPI partners (app/provider.go,
// app/ocpi.go; docs/OCPI.md).

type providerInput struct {
	Name                 string `json:"name" doc:"the provider's name"`
	TimeZone             string `json:"time_zone" doc:"an IANA time zone name, such as Europe/Amsterdam, in which reports read dates"`
	OCPICountryCode      string `json:"ocpi_country_code" doc:"the provider's OCPI country code: ISO 3166-1 alpha-2, 2 upper-case letters; given with ocpi_party_id; empty: none (no roaming)"`
	OCPIPartyID          string `json:"ocpi_party_id" doc:"the provider's OCPI party ID: 3 upper-case letters or digits; given with ocpi_country_code; empty: none"`
	WebhooksAllowPrivate bool   `json:"webhooks_allow_private" doc:"whether webhooks may post to loopback, link-local and private addresses (on-premises receivers, tests)"`
	providerBillingInput
}

// providerBillingInput is the provider's billing data (issue 16).
type providerBillingInput struct {
	LegalName             string  `json:"legal_name" doc:"the provider's legal name, the seller on its invoices"`
	VATID                 string  `json:"vat_id" doc:"the provider's VAT id with its country's prefix, such as NL123456789B01; needs country"`
	Address               string  `json:"address" doc:"street and number"`
	PostalCode            string  `json:"postal_code" doc:"postal code"`
	City                  string  `json:"city" doc:"city"`
	Country               string  `json:"country" doc:"ISO 3166-1 alpha-2 code, such as NL"`
	IBAN                  string  `json:"iban" doc:"the account customers pay into; checked (ISO 13616)"`
	VATRate               Decimal `json:"vat_rate" doc:"the standard VAT rate in percent, such as 21 or 5.5 (up to 2 decimals)"`
	InvoicePrefix         string  `json:"invoice_prefix" doc:"starts every invoice number: <prefix><year>-<sequence>; at most 10 letters, digits, -, / or _"`
	RoamingMarginPercent  Decimal `json:"roaming_margin_percent" doc:"added to the price of sessions on other networks (imported, roaming), in percent"`
	SelfBillingFeePercent Decimal `json:"self_billing_fee_percent" doc:"the provider's fee on what station owners' stations earn, in percent"`
	PaymentDays           int     `json:"payment_days" doc:"days from issue to due date (30 when not set)"`
	ContactName           string  `json:"contact_name" doc:"who answers questions about invoices (the seller contact on e-invoices)"`
	Phone                 string  `json:"phone" doc:"the contact's telephone number, at least 3 digits; German rules require it between German parties"`
	Email                 string  `json:"email" doc:"the contact's e-mail address"`
}

// providerView is the provider as its users read it.
type providerView struct {
	ID                   fc.ID  `json:"id"`
	Name                 string `json:"name"`
	TimeZone             string `json:"time_zone" doc:"the IANA time zone in which reports read dates"`
	OCPICountryCode      string `json:"ocpi_country_code" doc:"the OCPI country code; empty until set"`
	OCPIPartyID          string `json:"ocpi_party_id" doc:"the OCPI party ID; empty until set"`
	WebhooksAllowPrivate bool   `json:"webhooks_allow_private" doc:"whether webhooks may post to loopback, link-local and private addresses"`
	providerBillingView
}

// providerBillingView is the provider's billing data.
type providerBillingView struct {
	LegalName             string      `json:"legal_name" doc:"the seller's name on invoices; empty: the provider's name"`
	VATID                 string      `json:"vat_id"`
	Address               string      `json:"address"`
	PostalCode            string      `json:"postal_code"`
	City                  string      `json:"city"`
	Country               string      `json:"country"`
	IBAN                  string      `json:"iban"`
	VATRate               json.Number `json:"vat_rate" doc:"percent"`
	InvoicePrefix         string      `json:"invoice_prefix"`
	RoamingMarginPercent  json.Number `json:"roaming_margin_percent"`
	SelfBillingFeePercent json.Number `json:"self_billing_fee_percent"`
	PaymentDays           int         `json:"payment_days"`
	ContactName           string      `json:"contact_name"`
	Phone                 string      `json:"phone"`
	Email                 string      `json:"email"`
}

func viewProvider(p *fc.Provider) providerView {
	b := p.Billing
	return providerView{ID: p.ID, Name: p.Name, TimeZone: p.TimeZone, OCPICountryCode: p.OCPICountryCode, OCPIPartyID: p.OCPIPartyID,
		providerBillingView: providerBillingView{LegalName: b.LegalName, VATID: b.VATID, Address: b.Address, PostalCode: b.PostalCode,
			City: b.City, Country: b.Country, IBAN: b.IBAN, VATRate: percent(b.VATRateBP), InvoicePrefix: b.InvoicePrefix,
			RoamingMarginPercent: percent(b.RoamingMarginBP), SelfBillingFeePercent: percent(b.SelfBillingFeeBP), PaymentDays: b.PaymentDays,
			ContactName: b.ContactName, Phone: b.Phone, Email: b.Email}}
}

type ocpiPartnerInput struct {
	Name        string `json:"name" required:"true" doc:"the partner's name, as the provider's admins know it"`
	VersionsURL string `json:"versions_url" doc:"to register with the partner now: its OCPI versions endpoint (with token_a); absent: a pending partner that will register with us"`
	TokenA      string `json:"token_a" doc:"to register with the partner now: the token A it gave us (with versions_url); never shown again"`
}

// ocpiPartnerView is a partner; its tokens are never shown.
type ocpiPartnerView struct {
	*fc.OCPIPartner
}

// ocpiPartnerCreatedView is a new partner: a pending one with the token A
// it registers with, shown this once, and our versions URL.
type ocpiPartnerCreatedView struct {
	ocpiPartnerView
	TokenA      string `json:"token_a,omitempty" doc:"a pending partner's token A, which it calls our versions_url and credentials with; shown this once"`
	VersionsURL string `json:"versions_url,omitempty" doc:"a pending partner: our versions endpoint, where it starts; a registered one: its own"`
}

// ocpiExchangeView is one exchange with a partner, without its bodies.
type ocpiExchangeView struct {
	Module     string    `json:"module"`
	Direction  string    `json:"direction" enum:"in,out" doc:"in: the partner called us; out: we called it"`
	Method     string    `json:"method"`
	URL        string    `json:"url"`
	At         time.Time `json:"at"`
	HTTPStatus int       `json:"http_status" doc:"the answer's HTTP status; 0 when none came"`
	OCPIStatus int       `json:"ocpi_status" doc:"the answer's OCPI status_code; 0 when none came"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
}

// ocpiMessageView is a push waiting in the outbox, without its body.
type ocpiMessageView struct {
	Module    string    `json:"module"`
	Key       string    `json:"key" doc:"the object; pushes of one object go out in order"`
	Method    string    `json:"method"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at" doc:"when it is tried next"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ocpiPartnerDetailView is a partner read alone, with its traffic.
type ocpiPartnerDetailView struct {
	ocpiPartnerView
	Exchanges []ocpiExchangeView `json:"exchanges" doc:"the newest exchanges with the partner, newest first"`
	Waiting   []ocpiMessageView  `json:"waiting" doc:"the pushes still in the outbox, oldest first"`
}

func viewPartnerDetail(v *app.OCPIPartnerView) ocpiPartnerDetailView {
	out := ocpiPartnerDetailView{ocpiPartnerView: ocpiPartnerView{v.OCPIPartner},
		Exchanges: make([]ocpiExchangeView, 0, len(v.Exchanges)), Waiting: make([]ocpiMessageView, 0, len(v.Waiting))}
	for _, e := range v.Exchanges {
		out.Exchanges = append(out.Exchanges, ocpiExchangeView{Module: e.Module, Direction: e.Direction, Method: e.Method, URL: e.URL, At: e.At,
			HTTPStatus: e.HTTPStatus, OCPIStatus: e.OCPIStatus, OK: e.OK, Error: e.Error})
	}
	for _, m := range v.Waiting {
		out.Waiting = append(out.Waiting, ocpiMessageView{Module: m.Module, Key: m.Key, Method: m.Method, Attempts: m.Attempts,
			NextAt: m.NextAt, LastError: m.LastError, CreatedAt: m.CreatedAt})
	}
	return out
}

// ocpiRoutes are the routes of the provider's settings and its OCPI
// partners.
func (s *Server) ocpiRoutes() []route {
	const tag = "ocpi_partners"
	roaming := "Needs " + string(access.StationsManage) + " and " + string(access.CardsManage) + " over the whole provider (a provider admin): 403 otherwise. "
	return []route{
		{method: http.MethodGet, path: "/api/v1/provider", id: "get_provider", tag: "provider", summary: "Read the caller's provider",
			doc:  "Any user of the provider reads its name, time zone and OCPI identity.",
			resp: typ[providerView](), status: http.StatusOK, h: s.getProvider},
		{method: http.MethodPatch, path: "/api/v1/provider", id: "update_provider", tag: "provider", summary: "Change the caller's provider",
			doc: "Only the fields present change. Needs " + string(access.AccountsManage) + " over the whole provider (a provider admin): 403 otherwise. " +
				"Roaming needs both OCPI codes.",
			body: typ[providerInput](), resp: typ[providerView](), status: http.StatusOK, h: s.updateProvider},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners", id: "create_ocpi_partner", tag: tag, summary: "Add an OCPI partner",
			doc: roaming + "With a name alone: a pending partner that will register with us; the answer carries its token_a, shown this once, " +
				"and our versions_url. With versions_url and token_a: we register with the partner now (the credentials handshake) and answer the connected partner; " +
				"a failure leaves nothing behind. The provider needs its ocpi_country_code and ocpi_party_id first (409). 503 when this server runs no OCPI endpoint.",
			body: typ[ocpiPartnerInput](), create: true, resp: typ[ocpiPartnerCreatedView](), status: http.StatusCreated, h: s.createOCPIPartner},
		{method: http.MethodGet, path: "/api/v1/ocpi-partners", id: "list_ocpi_partners", tag: tag, summary: "List the provider's OCPI partners",
			doc: roaming + "All of them, by ID, in one page.", resp: typ[ocpiPartnerView](), list: true, status: http.StatusOK, h: s.listOCPIPartners},
		{method: http.MethodGet, path: "/api/v1/ocpi-partners/{id}", id: "get_ocpi_partner", tag: tag, summary: "Read an OCPI partner with its traffic",
			doc:  roaming + "The partner with its newest exchanges and the pushes waiting in the outbox (without their bodies).",
			resp: typ[ocpiPartnerDetailView](), status: http.StatusOK, h: s.getOCPIPartner},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/sync", id: "sync_ocpi_partner", tag: tag, summary: "Push everything to a partner again",
			doc:    roaming + "Queues a push of all our tokens (and, as a CPO, locations) to a connected partner: 202. 409 when it is not connected; 503 without an OCPI endpoint.",
			status: http.StatusAccepted, h: s.syncOCPIPartner},
		{method: http.MethodGet, path: "/api/v1/partner-locations", id: "list_partner_locations", tag: tag, summary: "List the locations partners publish",
			doc: "The locations CPO partners published to us over OCPI (where the provider's cards charge on other networks), newest first, " +
				"with their EVSEs and how many are available. Needs " + string(access.CardsRead) + " somewhere: 403 otherwise. " +
				"The cursor is the position of the next page.",
			params: append([]param{{name: "partner_id", kind: paramID, doc: "only this partner's locations"}}, pageParams...),
			resp:   typ[app.PartnerLocation](), list: true, status: http.StatusOK, h: s.listPartnerLocations},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/retry", id: "retry_ocpi_partner", tag: tag, summary: "Retry a partner's waiting pushes now",
			doc: roaming + "Every push waiting for the partner, in back-off after failures, is due at once (in order per object, as always); " +
				"the answer counts what waits. A suspended partner's pushes go out once it is resumed.",
			resp: typ[ocpiRetryView](), status: http.StatusAccepted, h: s.retryOCPIPartner},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/suspend", id: "suspend_ocpi_partner", tag: tag, summary: "Suspend an OCPI partner",
			doc:  roaming + "A suspended partner's requests are refused and nothing is pushed to it until it is resumed. 409 for a pending partner.",
			resp: typ[ocpiPartnerView](), status: http.StatusOK, h: s.setOCPIPartnerStatus(fc.PartnerSuspended)},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/resume", id: "resume_ocpi_partner", tag: tag, summary: "Resume a suspended OCPI partner",
			doc:  roaming + "The partner is connected again; what waited goes out. 409 for a pending partner.",
			resp: typ[ocpiPartnerView](), status: http.StatusOK, h: s.setOCPIPartnerStatus(fc.PartnerConnected)},
		{method: http.MethodDelete, path: "/api/v1/ocpi-partners/{id}", id: "delete_ocpi_partner", tag: tag, summary: "Remove an OCPI partner",
			doc:    roaming + "A registered partner is told first (OCPI credentials DELETE); its answer does not stop the removal.",
			status: http.StatusNoContent, h: deleteOf(s, s.app.DeleteOCPIPartner)},
	}
}

func (s *Server) getProvider(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	p, err := s.app.Provider(r.Context(), subj)
	if err != nil {
		return err
	}
	return s.writeProvider(w, r, subj, p)
}

// writeProvider answers with the provider and its webhook setting.
func (s *Server) writeProvider(w http.ResponseWriter, r *http.Request, subj access.Subject, p *fc.Provider) error {
	v := viewProvider(p)
	var err error
	if v.WebhooksAllowPrivate, err = s.app.WebhooksAllowPrivate(r.Context(), subj); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *providerInput, set fieldSet) error {
		p, err := s.app.UpdateProvider(r.Context(), subj, func(p *fc.Provider) error {
			setIf(set, "name", &p.Name, in.Name)
			setIf(set, "time_zone", &p.TimeZone, in.TimeZone)
			setIf(set, "ocpi_country_code", &p.OCPICountryCode, in.OCPICountryCode)
			setIf(set, "ocpi_party_id", &p.OCPIPartyID, in.OCPIPartyID)
			return applyProviderBilling(&p.Billing, &in.providerBillingInput, set)
		})
		if err != nil {
			return err
		}
		if set.has("webhooks_allow_private") {
			if err := s.app.SetWebhooksAllowPrivate(r.Context(), subj, in.WebhooksAllowPrivate); err != nil {
				return err
			}
		}
		return s.writeProvider(w, r, subj, p)
	})(w, r)
}

func (s *Server) createOCPIPartner(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *ocpiPartnerInput, set fieldSet) error {
		if set.has("versions_url") || set.has("token_a") {
			p, err := s.app.RegisterOCPIPartner(r.Context(), subj, in.Name, in.VersionsURL, in.TokenA)
			if err != nil {
				return err
			}
			writeCreated(w, r, p.ID, ocpiPartnerCreatedView{ocpiPartnerView: ocpiPartnerView{p}, VersionsURL: p.VersionsURL})
			return nil
		}
		p, tokenA, versionsURL, err := s.app.CreateOCPIPartner(r.Context(), subj, in.Name)
		if err != nil {
			return err
		}
		writeCreated(w, r, p.ID, ocpiPartnerCreatedView{ocpiPartnerView: ocpiPartnerView{p}, TokenA: tokenA, VersionsURL: versionsURL})
		return nil
	})(w, r)
}

func (s *Server) listOCPIPartners(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	ps, err := s.app.OCPIPartners(r.Context(), subj)
	if err != nil {
		return err
	}
	out := make([]ocpiPartnerView, len(ps))
	for i := range ps {
		out[i] = ocpiPartnerView{&ps[i]}
	}
	writeJSON(w, http.StatusOK, listPage[ocpiPartnerView]{Data: out})
	return nil
}

func (s *Server) getOCPIPartner(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.OCPIPartner, viewPartnerDetail)(w, r)
}

func (s *Server) syncOCPIPartner(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	if err := s.app.SyncOCPIPartner(r.Context(), subj, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) listPartnerLocations(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	q := s.query(r)
	partnerID, page := q.id("partner_id"), q.page()
	if err := q.err(); err != nil {
		return err
	}
	// The cursor is the offset of the next page.
	offset := int(page.After)
	list, total, err := s.app.PartnerLocations(r.Context(), subj, partnerID, offset, page.Limit)
	if err != nil {
		return err
	}
	body := listPage[app.PartnerLocation]{Data: list}
	if next := offset + len(list); len(list) > 0 && next < total {
		c := strconv.Itoa(next)
		body.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// ocpiRetryView answers a retry: how many pushes wait for the partner.
type ocpiRetryView struct {
	Waiting int64 `json:"waiting"`
}

func (s *Server) retryOCPIPartner(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	n, err := s.app.RetryOCPIPartner(r.Context(), subj, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, ocpiRetryView{Waiting: n})
	return nil
}

// setOCPIPartnerStatus serves suspend (status suspended) and resume
// (status connected).
func (s *Server) setOCPIPartnerStatus(status string) handlerFunc {
	return getOf(s, func(ctx context.Context, subj access.Subject, id fc.ID) (*fc.OCPIPartner, error) {
		return s.app.SetOCPIPartnerStatus(ctx, subj, id, status)
	}, func(p *fc.OCPIPartner) ocpiPartnerView { return ocpiPartnerView{p} })
}

// applyProviderBilling sets the billing fields present in the request.
func applyProviderBilling(b *fc.ProviderBilling, in *providerBillingInput, set fieldSet) error {
	setIf(set, "legal_name", &b.LegalName, in.LegalName)
	setIf(set, "vat_id", &b.VATID, in.VATID)
	setIf(set, "address", &b.Address, in.Address)
	setIf(set, "postal_code", &b.PostalCode, in.PostalCode)
	setIf(set, "city", &b.City, in.City)
	setIf(set, "country", &b.Country, in.Country)
	setIf(set, "iban", &b.IBAN, in.IBAN)
	setIf(set, "invoice_prefix", &b.InvoicePrefix, in.InvoicePrefix)
	setIf(set, "payment_days", &b.PaymentDays, in.PaymentDays)
	setIf(set, "contact_name", &b.ContactName, in.ContactName)
	setIf(set, "phone", &b.Phone, in.Phone)
	setIf(set, "email", &b.Email, in.Email)
	for _, f := range []struct {
		name string
		in   Decimal
		to   *int
	}{{"vat_rate", in.VATRate, &b.VATRateBP}, {"roaming_margin_percent", in.RoamingMarginPercent, &b.RoamingMarginBP},
		{"self_billing_fee_percent", in.SelfBillingFeePercent, &b.SelfBillingFeeBP}} {
		if !set.has(f.name) {
			continue
		}
		v, err := f.in.Scaled(f.name, 2)
		if err != nil {
			return err
		}
		if v < 0 || v > 100_00 {
			return fc.Invalid(map[string]string{f.name: "must be a percentage from 0 to 100"})
		}
		*f.to = int(v)
	}
	return nil
}

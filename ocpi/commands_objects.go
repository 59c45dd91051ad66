package ocpi

// The objects of the Commands module (OCPI 2.2.1, 13.3) and their
// validation.

// Command types (OCPI 2.2.1, 13.4.3 CommandType).
const (
	CommandCancelReservation = "CANCEL_RESERVATION"
	CommandReserveNow        = "RESERVE_NOW"
	CommandStartSession      = "START_SESSION"
	CommandStopSession       = "STOP_SESSION"
	CommandUnlockConnector   = "UNLOCK_CONNECTOR"
)

// The CPO's answer to a command request (OCPI 2.2.1, 13.4.1
// CommandResponseType).
const (
	ResponseAccepted       = "ACCEPTED"
	ResponseNotSupported   = "NOT_SUPPORTED"
	ResponseRejected       = "REJECTED"
	ResponseUnknownSession = "UNKNOWN_SESSION"
)

// The result of a command at the charge point (OCPI 2.2.1, 13.4.2
// CommandResultType).
const (
	ResultAccepted            = "ACCEPTED"
	ResultCanceledReservation = "CANCELED_RESERVATION"
	ResultEVSEOccupied        = "EVSE_OCCUPIED"
	ResultEVSEInoperative     = "EVSE_INOPERATIVE"
	ResultFailed              = "FAILED"
	ResultNotSupported        = "NOT_SUPPORTED"
	ResultRejected            = "REJECTED"
	ResultTimeout             = "TIMEOUT"
	ResultUnknownReservation  = "UNKNOWN_RESERVATION"
)

var (
	commandTypes         = []string{CommandCancelReservation, CommandReserveNow, CommandStartSession, CommandStopSession, CommandUnlockConnector}
	commandResponseTypes = []string{ResponseAccepted, ResponseNotSupported, ResponseRejected, ResponseUnknownSession}
	commandResultTypes   = []string{ResultAccepted, ResultCanceledReservation, ResultEVSEOccupied, ResultEVSEInoperative, ResultFailed,
		ResultNotSupported, ResultRejected, ResultTimeout, ResultUnknownReservation}
)

// IsCommandType reports whether v is an OCPI CommandType.
func IsCommandType(v string) bool {
	for _, t := range commandTypes {
		if t == v {
			return true
		}
	}
	return false
}

// StartSession asks a CPO to start a session for a token (13.3.5).
type StartSession struct {
	ResponseURL            string `json:"response_url"`
	Token                  *Token `json:"token"`
	LocationID             string `json:"location_id"`
	EVSEUID                string `json:"evse_uid,omitempty"`
	ConnectorID            string `json:"connector_id,omitempty"`
	AuthorizationReference string `json:"authorization_reference,omitempty"`
}

// StopSession asks a CPO to stop a session (13.3.6).
type StopSession struct {
	ResponseURL string `json:"response_url"`
	SessionID   string `json:"session_id"`
}

// UnlockConnector asks a CPO to unlock a connector (13.3.7).
type UnlockConnector struct {
	ResponseURL string `json:"response_url"`
	LocationID  string `json:"location_id"`
	EVSEUID     string `json:"evse_uid"`
	ConnectorID string `json:"connector_id"`
}

// ReserveNow asks a CPO to reserve an EVSE of a location for a token
// until expiry_date (13.3.4).
type ReserveNow struct {
	ResponseURL            string   `json:"response_url"`
	Token                  *Token   `json:"token"`
	ExpiryDate             DateTime `json:"expiry_date"`
	ReservationID          string   `json:"reservation_id"`
	LocationID             string   `json:"location_id"`
	EVSEUID                string   `json:"evse_uid,omitempty"`
	AuthorizationReference string   `json:"authorization_reference,omitempty"`
}

// CancelReservation asks a CPO to cancel a reservation made with
// ReserveNow (13.3.1).
type CancelReservation struct {
	ResponseURL   string `json:"response_url"`
	ReservationID string `json:"reservation_id"`
}

// CommandResponse is the CPO's immediate answer to a command (13.3.2):
// whether it could send it to the charge point, and how long the result
// may take, in seconds.
type CommandResponse struct {
	Result  string        `json:"result"`
	Timeout int           `json:"timeout"`
	Message []DisplayText `json:"message,omitempty"`
}

// CommandResult is the charge point's result of a command, posted to the
// eMSP's response_url (13.3.3).
type CommandResult struct {
	Result  string        `json:"result"`
	Message []DisplayText `json:"message,omitempty"`
}

// Validate checks a StartSession.
func (s *StartSession) Validate() FieldErrors {
	c := newCheck()
	c.url("response_url", s.ResponseURL, true)
	if s.Token == nil {
		c.fail("token", "required")
	} else {
		s.Token.check(c.in("token"))
	}
	c.ciString("location_id", s.LocationID, 36, true)
	c.ciString("evse_uid", s.EVSEUID, 36, false)
	c.ciString("connector_id", s.ConnectorID, 36, false)
	if s.ConnectorID != "" && s.EVSEUID == "" {
		c.fail("evse_uid", "required when connector_id is set")
	}
	c.ciString("authorization_reference", s.AuthorizationReference, 36, false)
	return *c.errs
}

// Validate checks a StopSession.
func (s *StopSession) Validate() FieldErrors {
	c := newCheck()
	c.url("response_url", s.ResponseURL, true)
	c.ciString("session_id", s.SessionID, 36, true)
	return *c.errs
}

// Validate checks an UnlockConnector.
func (u *UnlockConnector) Validate() FieldErrors {
	c := newCheck()
	c.url("response_url", u.ResponseURL, true)
	c.ciString("location_id", u.LocationID, 36, true)
	c.ciString("evse_uid", u.EVSEUID, 36, true)
	c.ciString("connector_id", u.ConnectorID, 36, true)
	return *c.errs
}

// Validate checks a ReserveNow.
func (r *ReserveNow) Validate() FieldErrors {
	c := newCheck()
	c.url("response_url", r.ResponseURL, true)
	if r.Token == nil {
		c.fail("token", "required")
	} else {
		r.Token.check(c.in("token"))
	}
	c.dateTime("expiry_date", r.ExpiryDate, true)
	c.ciString("reservation_id", r.ReservationID, 36, true)
	c.ciString("location_id", r.LocationID, 36, true)
	c.ciString("evse_uid", r.EVSEUID, 36, false)
	c.ciString("authorization_reference", r.AuthorizationReference, 36, false)
	return *c.errs
}

// Validate checks a CancelReservation.
func (r *CancelReservation) Validate() FieldErrors {
	c := newCheck()
	c.url("response_url", r.ResponseURL, true)
	c.ciString("reservation_id", r.ReservationID, 36, true)
	return *c.errs
}

// Validate checks a CommandResponse.
func (r *CommandResponse) Validate() FieldErrors {
	c := newCheck()
	c.oneOf("result", r.Result, true, commandResponseTypes)
	if r.Timeout < 0 {
		c.fail("timeout", "must not be negative")
	}
	checkTexts(c, r.Message)
	return *c.errs
}

// Validate checks a CommandResult.
func (r *CommandResult) Validate() FieldErrors {
	c := newCheck()
	c.oneOf("result", r.Result, true, commandResultTypes)
	checkTexts(c, r.Message)
	return *c.errs
}

// checkTexts checks the DisplayTexts of a message.
func checkTexts(c check, texts []DisplayText) {
	for i, t := range texts {
		tc := c.at("message", i)
		tc.str("language", t.Language, 2, true)
		tc.str("text", t.Text, 512, true)
	}
}

// text returns the first message of texts, "" when there is none.
func text(texts []DisplayText) string {
	if len(texts) == 0 {
		return ""
	}
	return texts[0].Text
}

// english is a message in English.
func english(msg string) []DisplayText {
	if msg == "" {
		return nil
	}
	return []DisplayText{{Language: "en", Text: msg}}
}

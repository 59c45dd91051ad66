package web

import (
	"net/http"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// Events for people and integrations (docs/EVENTS.md): the user's e-mail
// alerts, its webhooks with their deliveries, and the unsubscribe link of
// the alert mails. Both act as the whole user (v.Full), not the scope the
// switcher narrows the other pages to: what an alert or a webhook gets is
// decided when each event happens, with the user's rights then.
func (s *Server) eventRoutes() {
	s.handle("GET /notifications", s.notificationsPage)
	s.handle("POST /notifications", s.subscribe)
	s.handle("POST /notifications/{id}/delete", s.unsubscribe)
	s.handle("GET /webhooks", s.webhooksPage)
	s.handle("POST /webhooks", s.createWebhook)
	s.handle("GET /webhooks/{id}", s.webhookPage)
	s.handle("POST /webhooks/{id}/enabled", s.setWebhookEnabled)
	s.handle("POST /webhooks/{id}/delete", s.deleteWebhook)
	s.handle("POST /webhooks/{id}/deliveries/{delivery_id}/retry", s.retryDelivery)
	s.mux.HandleFunc("GET /unsubscribe", s.unsubscribePage)
	s.mux.HandleFunc("POST /unsubscribe", s.unsubscribeByLink)
}

func init() {
	notices["subscribed"] = "You are subscribed: the alerts come by e-mail."
	notices["unsubscribed"] = "The alert is ended."
	notices["retried"] = "The delivery goes out again in a moment, with the same webhook-id."
}

// eventLabels name the event types for people.
var eventLabels = map[string]string{
	fc.TypeSessionStarted:        "A session started",
	fc.TypeSessionStopped:        "A session stopped",
	fc.TypeStationOnline:         "A station is online",
	fc.TypeStationOffline:        "A station went offline",
	fc.TypeStationFaulted:        "A station's connector is faulted",
	fc.TypeCardBlocked:           "A card was blocked",
	fc.TypeReimbursementApproved: "A reimbursement statement was approved",
	fc.TypeInvoiceIssued:         "An invoice was issued",
}

func eventLabel(t string) string {
	if l, ok := eventLabels[t]; ok {
		return l + " (" + t + ")"
	}
	return t
}

// subscribeForm offers the event types of objects the user reads.
func (s *Server) subscribeForm(v *view) *form {
	var types []option
	for _, t := range fc.EventTypes() {
		if len(app.EventPermission(t)) > 0 && s.hears(v, t) {
			types = append(types, option{t, eventLabel(t)})
		}
	}
	return v.postForm("subscribe", "/notifications", "Subscribe",
		field{Name: "event_type", Label: "Event", Type: "select", Options: types, Required: true},
		field{Name: "mode", Label: "When", Type: "select", Required: true,
			Options: []option{{fc.SubscriptionImmediate, "Immediately, a mail per event"}, {fc.SubscriptionDigest, "A daily digest"}}})
}

// hears reports whether the whole user reads objects of the event type.
func (s *Server) hears(v *view, t string) bool {
	full := &view{Subj: v.Full}
	for _, p := range app.EventPermission(t) {
		if full.can(p) {
			return true
		}
	}
	return false
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNotifications(w, r, v, nil)
}

func (s *Server) showNotifications(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	subs, err := s.app.Subscriptions(r.Context(), v.Full)
	if err != nil {
		return err
	}
	t := table{Caption: "Your e-mail alerts", Columns: []string{"Event", "When", "Since", "Action"}, Empty: "No alerts yet."}
	for _, x := range subs {
		mode := "Immediately"
		if x.Mode == fc.SubscriptionDigest {
			mode = "Daily digest"
		}
		t.Rows = append(t.Rows, []cell{{Text: eventLabel(x.EventType)}, {Text: mode}, {Text: v.when(x.CreatedAt)},
			{Form: v.button("unsub-"+x.ID.String(), "/notifications/"+x.ID.String()+"/delete", "Unsubscribe", "secondary")}})
	}
	f := s.subscribeForm(v)
	f.Intro = "Alerts are mailed to " + v.User.Email + " for the objects you may read when the event happens. Every mail has a link that ends its alert."
	b := &detailBody{Heading: "Notifications", Tables: []table{t}, Forms: []*form{f}, Links: []link{{"/webhooks", "Webhooks for your integrations"}}}
	s.show(w, r, v, b.apply(fl), "detail", "Notifications", b)
	return nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, v *view) error {
	x := fc.Subscription{EventType: r.PostForm.Get("event_type"), Mode: r.PostForm.Get("mode")}
	if err := s.app.Subscribe(r.Context(), v.Full, &x); err != nil {
		return s.showNotifications(w, r, v, &failure{id: "subscribe", err: err, vals: r.PostForm})
	}
	redirect(w, r, "/notifications", "subscribed")
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "no such alert")
	}
	if err := s.app.Unsubscribe(r.Context(), v.Full, id); err != nil {
		return err
	}
	redirect(w, r, "/notifications", "unsubscribed")
	return nil
}

// webhookForm is the form of a new webhook.
func (s *Server) webhookForm(r *http.Request, v *view) (*form, error) {
	orgs, err := s.orgOptions(r.Context(), v, 0, "– Everything I can see –")
	if err != nil {
		return nil, err
	}
	types := []option{{"*", "Every event (*)"}}
	for _, t := range fc.EventTypes() {
		types = append(types, option{t, eventLabel(t)})
	}
	f := v.postForm("webhook", "/webhooks", "Add the webhook",
		field{Name: "url", Label: "URL", Required: true, Hint: "Where the events are posted (https). Private and loopback addresses are refused unless the provider allows them."},
		field{Name: "events", Label: "Events", Type: "multiselect", Options: types, Required: true},
		field{Name: "organization_id", Label: "Only in organization", Type: "select", Options: orgs},
		field{Name: "description", Label: "Description"})
	f.Intro = "The webhook acts as you: it receives events about the objects you may read when they happen, as the API shows them to you, " +
		"signed per the Standard Webhooks specification with a secret shown once."
	return f, nil
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showWebhooks(w, r, v, nil)
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	hooks, err := s.app.Webhooks(r.Context(), v.Full)
	if err != nil {
		return err
	}
	t := table{Caption: "Your webhooks", Columns: []string{"Webhook", "URL", "Events", "State", "Created"}, Empty: "No webhooks yet."}
	for _, h := range hooks {
		t.Rows = append(t.Rows, []cell{{Text: "#" + h.ID.String(), Href: "/webhooks/" + h.ID.String()}, {Text: h.URL},
			{Text: strings.Join(h.Events, ", ")}, webhookState(&h), {Text: v.when(h.CreatedAt)}})
	}
	f, err := s.webhookForm(r, v)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Webhooks", Tables: []table{t}, Forms: []*form{f}, Links: []link{{"/notifications", "Your e-mail alerts"}}}
	s.show(w, r, v, b.apply(fl), "detail", "Webhooks", b)
	return nil
}

func webhookState(h *fc.Webhook) cell {
	switch {
	case !h.Enabled && h.DisabledReason != "":
		return cell{Text: "disabled: " + h.DisabledReason, Class: "status-failed"}
	case !h.Enabled:
		return cell{Text: "paused", Class: "status-inactive"}
	case h.FailingSince != nil:
		return cell{Text: "failing since " + when(h.FailingSince), Class: "status-failed"}
	}
	return cell{Text: "active", Class: "status-active"}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	h := fc.Webhook{URL: vals.Get("url"), Events: vals["events"], OrganizationID: formID(vals, "organization_id", fields),
		Description: vals.Get("description")}
	if len(fields) > 0 {
		return s.showWebhooks(w, r, v, &failure{id: "webhook", err: fc.Invalid(fields), vals: vals})
	}
	secret, err := s.app.CreateWebhook(r.Context(), v.Full, &h)
	if err != nil {
		return s.showWebhooks(w, r, v, &failure{id: "webhook", err: err, vals: vals})
	}
	return s.showWebhook(w, r, v, h.ID, []fact{{Label: "Signing secret (shown this once)", Value: secret},
		{Label: "Verify", Value: "webhook-signature is v1, and the base64 HMAC-SHA256 of webhook-id.webhook-timestamp.body under the base64-decoded part after whsec_"}})
}

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "no such webhook")
	}
	return s.showWebhook(w, r, v, id, nil)
}

// showWebhook shows a webhook with its latest deliveries; result is what
// was just done (a new webhook's secret).
func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, result []fact) error {
	ctx := r.Context()
	h, err := s.app.Webhook(ctx, v.Full, id)
	if err != nil {
		return err
	}
	ds, err := s.app.WebhookDeliveries(ctx, v.Full, id, fc.Page{Before: 1 << 62, Limit: 100})
	if err != nil {
		return err
	}
	base := "/webhooks/" + id.String()
	narrow := "everything you can see"
	if h.OrganizationID != 0 {
		narrow = "organization " + s.names(ctx, v).get(fc.KindOrganization, h.OrganizationID)
	}
	b := &detailBody{Heading: "Webhook #" + id.String(), Back: link{"/webhooks", "Webhooks"}, Result: result,
		Facts: []fact{{Label: "URL", Value: h.URL}, {Label: "Events", Value: strings.Join(h.Events, ", ")}, {Label: "Scope", Value: narrow},
			{Label: "State", Value: webhookState(h).Text}, {Label: "Description", Value: h.Description}, {Label: "Created", Value: v.when(h.CreatedAt)}}}
	t := table{Caption: "Deliveries (latest 100, newest first)", Empty: "No deliveries yet.",
		Columns: []string{"webhook-id", "Event", "Status", "Attempts", "Last answer", "Latency", "Answer excerpt", "Created", "Action"}}
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		answer := "–"
		if d.ResponseStatus > 0 {
			answer = strconv.Itoa(d.ResponseStatus)
		} else if d.Error != "" {
			answer = d.Error
		}
		t.Rows = append(t.Rows, []cell{{Text: d.ID.String()}, {Text: d.EventType + " " + d.ObjectKey}, {Text: d.Status, Class: "status-" + d.Status},
			{Text: strconv.Itoa(d.Attempts)}, {Text: answer}, {Text: strconv.FormatInt(d.LatencyMS, 10) + " ms"}, {Text: d.ResponseExcerpt},
			{Text: v.when(d.CreatedAt)},
			{Form: v.button("retry-"+d.ID.String(), base+"/deliveries/"+d.ID.String()+"/retry", "Send again", "secondary")}})
	}
	b.Tables = []table{t}
	toggle := v.button("enable", base+"/enabled", "Pause", "secondary", hidden{"enabled", "false"})
	if !h.Enabled {
		toggle = v.button("enable", base+"/enabled", "Enable", "", hidden{"enabled", "true"})
	}
	del := v.button("delete", base+"/delete", "Delete the webhook", "danger")
	del.Confirm = "Delete this webhook and its deliveries?"
	b.Forms = []*form{toggle, del}
	s.show(w, r, v, http.StatusOK, "detail", "Webhook", b)
	return nil
}

func (s *Server) setWebhookEnabled(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "no such webhook")
	}
	on := r.PostForm.Get("enabled") == "true"
	if _, err := s.app.UpdateWebhook(r.Context(), v.Full, id, func(h *fc.Webhook) error { h.Enabled = on; return nil }); err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+id.String(), "saved")
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "no such webhook")
	}
	if err := s.app.DeleteWebhook(r.Context(), v.Full, id); err != nil {
		return err
	}
	redirect(w, r, "/webhooks", "deleted")
	return nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err1 := fc.ParseID(r.PathValue("id"))
	did, err2 := fc.ParseID(r.PathValue("delivery_id"))
	if err1 != nil || err2 != nil {
		return fc.Errorf(fc.ENotFound, "no such delivery")
	}
	if _, err := s.app.RetryWebhookDelivery(r.Context(), v.Full, id, did); err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+id.String(), "retried")
	return nil
}

// unsubscribePage asks to confirm the end of the alert the mail's link
// names: a link scanner that opens it ends nothing.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	f := &form{ID: "unsubscribe", Action: "/unsubscribe", Method: "post", Submit: "Stop these e-mails",
		Hidden: []hidden{{"token", r.URL.Query().Get("token")}}}
	b := &detailBody{Heading: "Stop an e-mail alert", Forms: []*form{f}}
	s.renderStatus(w, r, http.StatusOK, "detail", &page{Chrome: &chrome{}, Title: "Unsubscribe", Body: b})
}

// unsubscribeByLink ends the alert the token names: the token alone,
// random and sent only to the subscriber, authenticates.
func (s *Server) unsubscribeByLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	status, text := http.StatusOK, "The alert is ended: no more of these e-mails."
	x, err := s.app.UnsubscribeByToken(r.Context(), r.PostFormValue("token"))
	switch {
	case fc.IsCode(err, fc.ENotFound):
		status, text = http.StatusNotFound, "This alert does not exist any more: it may have ended already."
	case err != nil:
		s.cfg.Logger.Error("unsubscribe", "err", err)
		status, text = http.StatusInternalServerError, "Something went wrong on our side. Please try again."
	default:
		text = "The alert for " + eventLabel(x.EventType) + " is ended: no more of these e-mails."
	}
	b := &detailBody{Heading: "Stop an e-mail alert", Facts: []fact{{Label: "Result", Value: text}}}
	s.renderStatus(w, r, status, "detail", &page{Chrome: &chrome{}, Title: "Unsubscribe", Body: b})
}

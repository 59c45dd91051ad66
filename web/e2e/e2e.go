// Package e2e drives the whole fleetcharge program in a real browser. It
// builds the command, starts `fleetcharge serve --demo` on a free port over
// a fresh SQLite database, reads the demo logins and station passwords it
// prints, and signs in with headless Chromium through chromedp. The
// end-to-end tests of this folder and scripts/screenshots use it.
package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

// Server is a running `fleetcharge serve --demo`.
type Server struct {
	URL string // http://127.0.0.1:PORT
	// Passwords holds the demo logins: e-mail to password.
	Passwords map[string]string
	// Stations holds the demo stations by OCPP identity.
	Stations map[string]Station
	// Log is what the server wrote to its standard error so far.
	Log *SyncBuffer

	cmd  *exec.Cmd
	done chan error
}

// Station is a demo charge station's OCPP login.
type Station struct {
	Identity, Password string
	Connectors         int
}

// Build compiles the fleetcharge command into dir and returns its path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "fleetcharge")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/fleetcharge/fleetcharge/cmd/fleetcharge")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

var (
	listeningLine = regexp.MustCompile(`msg=listening url=(\S+)`)
	loginLine     = regexp.MustCompile(`^\s+(\S+@\S+)\s+(\S+)\s{2,}`)
	stationLine   = regexp.MustCompile(`^\s+(\S+)\s+(\S{16,})\s+(\d+)\s{2,}`)
)

// Start runs `bin serve --demo` on 127.0.0.1 with a new SQLite database in
// dir and returns once it listens and has printed the demo logins.
func Start(ctx context.Context, bin, dir string) (*Server, error) {
	db := "sqlite://" + filepath.ToSlash(filepath.Join(dir, "e2e.db"))
	cmd := exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "FLEETCHARGE_LOG_FORMAT=text", "FLEETCHARGE_LOG_LEVEL=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Passwords: map[string]string{}, Stations: map[string]Station{}, Log: &SyncBuffer{}, cmd: cmd, done: make(chan error, 1)}
	listening := make(chan string, 1)
	printed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(printed)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := loginLine.FindStringSubmatch(line); m != nil {
				s.Passwords[m[1]] = m[2]
			} else if m := stationLine.FindStringSubmatch(line); m != nil && m[1] != "IDENTITY" {
				n, _ := strconv.Atoi(m[3])
				s.Stations[m[1]] = Station{Identity: m[1], Password: m[2], Connectors: n}
			}
		}
	})
	wg.Go(func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.Log, line)
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				select {
				case listening <- m[1]:
				default:
				}
			}
		}
	})
	go func() {
		wg.Wait()
		s.done <- cmd.Wait()
	}()
	select {
	case s.URL = <-listening:
	case err := <-s.done:
		return nil, fmt.Errorf("fleetcharge serve stopped: %v\n%s", err, s.Log)
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		s.Close()
		return nil, fmt.Errorf("fleetcharge serve did not listen within 2 minutes\n%s", s.Log)
	}
	// The demo logins are printed before the server listens; wait for
	// their last line to be read.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(s.Passwords) > 0 && len(s.Stations) > 0 {
			break
		}
	}
	if len(s.Passwords) == 0 {
		s.Close()
		return nil, errors.New("fleetcharge serve --demo printed no login")
	}
	return s, nil
}

// Close stops the server and waits for it to exit.
func (s *Server) Close() error {
	if s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Host returns the server's host:port.
func (s *Server) Host() string {
	u, _ := url.Parse(s.URL)
	return u.Host
}

// SyncBuffer is a buffer safe for one writer and concurrent readers.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var _ io.Writer = (*SyncBuffer)(nil)

// Chromium returns the path of a Chromium or Chrome on this machine, or "".
func Chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/lib/chromium/chromium"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// NewBrowser starts headless Chromium at execPath with a window of width by
// height and returns its allocator context: each chromedp.NewContext of it
// with chromedp.WithNewBrowserContext is a separate browser profile
// (cookies and all).
func NewBrowser(ctx context.Context, execPath string, width, height int) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
	)
	return chromedp.NewExecAllocator(ctx, opts...)
}

// SignIn signs in on the tab of ctx with the sign-in form, and changes the
// password first if the server asks for it (the new one is returned then).
func SignIn(ctx context.Context, base, email, password string) (string, error) {
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), password),
	); err != nil {
		return password, fmt.Errorf("sign in %s: %w", email, err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(`input[name="password"]`))); err != nil {
		return password, fmt.Errorf("sign in %s: %w", email, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return password, err
	}
	u, _ := url.Parse(loc)
	switch u.Path {
	case "/login":
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		return password, fmt.Errorf("sign in %s: refused: %s", email, strings.TrimSpace(msg))
	case "/account/password":
		// A first sign-in: a new password is due before anything else.
		fresh := password + "-Renewed-2"
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`input[name="current_password"]`), password),
			chromedp.SetValue(chromedp.CSS(`input[name="new_password"]`), fresh),
			chromedp.SetValue(chromedp.CSS(`input[name="confirm_password"]`), fresh),
		); err != nil {
			return password, err
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(`input[name="new_password"]`))); err != nil {
			return password, err
		}
		return fresh, nil
	case "/login/totp", "/account/totp":
		return password, fmt.Errorf("sign in %s: a second factor is due, which these tests cannot give", email)
	}
	return password, nil
}

// FakeStation is a demo charge station connected over OCPP 1.6J that
// accepts every command the server sends it.
type FakeStation struct {
	conn   *websocket.Conn
	cancel context.CancelFunc
	done   chan struct{}
	next   int // the ID of the station's next call

	mu       sync.Mutex
	received []string
}

// Connect connects the demo station with the identity, sends its boot
// notification and answers the server's calls until Close.
func (s *Server) Connect(ctx context.Context, identity string) (*FakeStation, error) {
	login, ok := s.Stations[identity]
	if !ok {
		return nil, fmt.Errorf("the demo printed no station %s", identity)
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(identity+":"+login.Password)))
	conn, _, err := websocket.Dial(ctx, "ws://"+s.Host()+"/ocpp/"+identity, &websocket.DialOptions{Subprotocols: []string{"ocpp1.6"}, HTTPHeader: h})
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", identity, err)
	}
	boot := `[2,"boot","BootNotification",{"chargePointVendor":"Alfen","chargePointModel":"Eve Double Pro-line","firmwareVersion":"6.4.1-4200"}]`
	if err := conn.Write(ctx, websocket.MessageText, []byte(boot)); err != nil {
		return nil, err
	}
	st := &FakeStation{conn: conn, done: make(chan struct{})}
	// The server may call a station it knew before (a local list check, a
	// job to retry) before it answers the boot: such calls are answered
	// while waiting for the boot's result.
	for {
		var msg []json.RawMessage
		_, b, err := conn.Read(ctx)
		if err != nil || json.Unmarshal(b, &msg) != nil || len(msg) < 3 {
			conn.Close(websocket.StatusProtocolError, "")
			return nil, fmt.Errorf("boot %s: %v %s", identity, err, b)
		}
		if string(msg[0]) == "3" && string(msg[1]) == `"boot"` {
			break
		}
		if err := st.reply(ctx, msg); err != nil {
			conn.Close(websocket.StatusProtocolError, "")
			return nil, fmt.Errorf("boot %s: %v", identity, err)
		}
	}
	loop, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go st.answer(loop)
	return st, nil
}

// answer answers the server's calls and drops the results of the
// station's own calls.
func (st *FakeStation) answer(ctx context.Context) {
	defer close(st.done)
	for {
		_, b, err := st.conn.Read(ctx)
		if err != nil {
			return
		}
		var msg []json.RawMessage
		if json.Unmarshal(b, &msg) != nil || len(msg) < 3 {
			continue
		}
		if err := st.reply(ctx, msg); err != nil {
			return
		}
	}
}

// reply answers a call of the server (msg) and records its action; it
// ignores any other message.
func (st *FakeStation) reply(ctx context.Context, msg []json.RawMessage) error {
	if string(msg[0]) != "2" {
		return nil
	}
	var action string
	_ = json.Unmarshal(msg[2], &action)
	st.mu.Lock()
	st.received = append(st.received, action)
	st.mu.Unlock()
	status := "Accepted"
	if action == "UnlockConnector" {
		status = "Unlocked"
	}
	answer := fmt.Sprintf(`[3,%s,{"status":%q}]`, msg[1], status)
	return st.conn.Write(ctx, websocket.MessageText, []byte(answer))
}

// Status reports a connector's status (Available, Charging, …).
func (st *FakeStation) Status(ctx context.Context, connector int, status string) error {
	st.mu.Lock()
	st.next++
	id := st.next
	st.mu.Unlock()
	call := fmt.Sprintf(`[2,"s%d","StatusNotification",{"connectorId":%d,"errorCode":"NoError","status":%q}]`, id, connector, status)
	return st.conn.Write(ctx, websocket.MessageText, []byte(call))
}

// Calls returns the actions the server called on the station so far.
func (st *FakeStation) Calls() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.received)
}

// Close disconnects the station.
func (st *FakeStation) Close() {
	st.conn.Close(websocket.StatusNormalClosure, "")
	st.cancel()
	<-st.done
}

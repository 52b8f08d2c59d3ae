// Conformance: the official WeChat Pay Go SDK (github.com/wechatpay-apiv3/wechatpay-go) as a merchant against
// the sandbox. The SDK signs every request, its response validator verifies every 2xx, its AES-GCM helper
// decrypts the certificates, and its notify handler verifies and decrypts the notifications this program
// receives on its own notify_url. The SDK has typed calls for mainland paths only, so /v3/global paths go
// through its core client (Get / Post / Request with the full URL).
//
// Input: the path of a JSON file (see config below). Output: one JSON line per check on stdout
// ({"mode","check","ok","detail"}), then exit 1 if any failed. Sandbox-only steps (paying at the cashier,
// ageing an order, per-merchant settings) use plain HTTP to /sandbox/...
package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

type merchantConfig struct {
	Mode           string `json:"mode"` // direct | institution
	Mchid          string `json:"mchid"`
	Appid          string `json:"appid"`
	SubMchid       string `json:"sub_mchid"`
	SubAppid       string `json:"sub_appid"`
	Serial         string `json:"serial"`
	PrivateKeyPath string `json:"private_key_path"`
	APIv3Key       string `json:"api_v3_key"`
}

type config struct {
	BaseURL   string           `json:"base_url"`
	Merchants []merchantConfig `json:"merchants"`
}

var (
	outMu  sync.Mutex
	failed bool
)

func report(mode, check string, err error) {
	outMu.Lock()
	defer outMu.Unlock()
	line := map[string]interface{}{"mode": mode, "check": check, "ok": err == nil}
	if err != nil {
		line["detail"] = err.Error()
		failed = true
	}
	b, _ := json.Marshal(line)
	fmt.Println(string(b))
}

// ---- the notify_url: every notification is parsed by the SDK's notify handler of the merchant it names ----

type received struct {
	envelope *notify.Request
	content  map[string]interface{}
	err      error
	raw      string
}

type notifyServer struct {
	url      string
	mu       sync.Mutex
	handlers map[string]*notify.Handler // by path: /notify/{mchid}
	got      map[string][]received      // by path
}

func startNotifyServer() (*notifyServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &notifyServer{url: "http://" + ln.Addr().String(), handlers: map[string]*notify.Handler{}, got: map[string][]received{}}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.handlers[r.URL.Path]
		s.mu.Unlock()
		if h == nil {
			w.WriteHeader(404)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		content := map[string]interface{}{}
		env, perr := h.ParseNotifyRequest(context.Background(), r, &content)
		s.mu.Lock()
		s.got[r.URL.Path] = append(s.got[r.URL.Path], received{envelope: env, content: content, err: perr, raw: string(body)})
		s.mu.Unlock()
		if perr != nil {
			w.WriteHeader(400)
			w.Write([]byte(`{"code":"FAIL","message":"rejected by the SDK"}`))
			return
		}
		w.WriteHeader(204)
	}))
	return s, nil
}

// wait returns the first notification at path whose decrypted content (or, when the SDK rejected it, raw
// body) matches; nil after the timeout.
func (s *notifyServer) wait(path string, match func(received) bool, timeout time.Duration) *received {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		s.mu.Lock()
		for _, r := range s.got[path] {
			if match(r) {
				s.mu.Unlock()
				rr := r
				return &rr
			}
		}
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// ---- one merchant ----

type run struct {
	cfg      config
	m        merchantConfig
	key      *rsa.PrivateKey
	certs    []*x509.Certificate
	client   *core.Client
	plain    *core.Client // signs, does not validate: statements (signed over {"sha1":...}) and the first download
	notify   *notifyServer
	path     string
	ctx      context.Context
	tag      string
	openid   string
	payAppid string
}

func (r *run) api(p string) string { return r.cfg.BaseURL + p }

// identity query string for GETs
func (r *run) idQuery() string {
	if r.m.Mode == "direct" {
		return "mchid=" + r.m.Mchid
	}
	return "sp_mchid=" + r.m.Mchid + "&sub_mchid=" + r.m.SubMchid
}

func (r *run) idBody(extra map[string]interface{}) map[string]interface{} {
	b := map[string]interface{}{}
	if r.m.Mode == "direct" {
		b["mchid"] = r.m.Mchid
	} else {
		b["sp_mchid"] = r.m.Mchid
		b["sub_mchid"] = r.m.SubMchid
	}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func (r *run) appBody(extra map[string]interface{}) map[string]interface{} {
	b := r.idBody(extra)
	if r.m.Mode == "direct" {
		b["appid"] = r.m.Appid
	} else {
		b["sp_appid"] = r.m.Appid
		b["sub_appid"] = r.m.SubAppid
	}
	return b
}

func decode(res *core.APIResult) (map[string]interface{}, error) {
	body, err := io.ReadAll(res.Response.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("answer is not JSON: %v: %s", err, body)
	}
	return out, nil
}

func admin(base, method, path string, body interface{}) (map[string]interface{}, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]interface{}{}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if res.StatusCode >= 300 {
		return out, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return out, nil
}

func str(m map[string]interface{}, path ...string) string {
	var cur interface{} = m
	for _, p := range path {
		mm, ok := cur.(map[string]interface{})
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatInt(int64(v), 10)
	}
	return ""
}

func expect(got map[string]interface{}, want map[string]string) error {
	for path, w := range want {
		if g := str(got, strings.Split(path, ".")...); g != w {
			return fmt.Errorf("%s: got %q, want %q", path, g, w)
		}
	}
	return nil
}

// certificates: downloaded with the SDK's signer, decrypted with the SDK's AES-GCM, then the download itself
// verified by the SDK's response validator with the certificates it carried.
func (r *run) certificates() error {
	res, err := r.plain.Get(r.ctx, r.api("/v3/global/certificates"))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Response.Body)
	var rawList struct {
		Data []map[string]interface{} `json:"data"`
	}
	if err := json.Unmarshal(body, &rawList); err != nil {
		return fmt.Errorf("certificates answer: %v", err)
	}
	r.certs = nil
	for _, d := range rawList.Data {
		enc, _ := d["encrypt_certificate"].(map[string]interface{})
		pem, err := utils.DecryptAES256GCM(r.m.APIv3Key, str(enc, "associated_data"), str(enc, "nonce"), str(enc, "ciphertext"))
		if err != nil {
			return fmt.Errorf("decrypt certificate %s: %v", str(d, "serial_no"), err)
		}
		cert, err := utils.LoadCertificate(pem)
		if err != nil {
			return err
		}
		if got := utils.GetCertificateSerialNumber(*cert); got != str(d, "serial_no") {
			return fmt.Errorf("certificate serial %s, listed as %s", got, str(d, "serial_no"))
		}
		r.certs = append(r.certs, cert)
	}
	if len(r.certs) == 0 {
		return fmt.Errorf("no certificates")
	}
	res.Response.Body = io.NopCloser(bytes.NewReader(body))
	v := validators.NewWechatPayResponseValidator(verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList(r.certs)))
	if err := v.Validate(r.ctx, res.Response); err != nil {
		return fmt.Errorf("certificate download signature: %v", err)
	}
	return nil
}

func (r *run) pay(no string, total int) (string, error) {
	payer := map[string]interface{}{"openid": r.openid}
	if r.m.Mode == "institution" {
		payer = map[string]interface{}{"sub_openid": r.openid}
	}
	res, err := r.client.Post(r.ctx, r.api("/v3/global/transactions/jsapi"), r.appBody(map[string]interface{}{
		"description": "SDK conformance", "out_trade_no": no, "notify_url": r.notify.url + r.path, "trade_type": "JSAPI",
		"merchant_category_code": "5812", "amount": map[string]interface{}{"total": total, "currency": "HKD"}, "payer": payer,
	}))
	if err != nil {
		return "", fmt.Errorf("jsapi: %v", err)
	}
	body, err := decode(res)
	if err != nil {
		return "", err
	}
	prepay := str(body, "prepay_id")
	if prepay == "" {
		return "", fmt.Errorf("jsapi answer without prepay_id: %v", body)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce, _ := utils.GenerateNonce()
	pkg := "prepay_id=" + prepay
	sign, err := utils.SignSHA256WithRSA(fmt.Sprintf("%s\n%s\n%s\n%s\n", r.payAppid, ts, nonce, pkg), r.key)
	if err != nil {
		return "", err
	}
	out, err := admin(r.cfg.BaseURL, "POST", "/sandbox/cashier/pay", map[string]interface{}{
		"timeStamp": ts, "nonceStr": nonce, "package": pkg, "signType": "RSA", "paySign": sign, "openid": r.openid, "appId": r.payAppid,
	})
	if err != nil {
		return "", fmt.Errorf("cashier: %v", err)
	}
	if str(out, "errMsg") != "requestPayment:ok" {
		return "", fmt.Errorf("cashier: %v", out)
	}
	return prepay, nil
}

func (r *run) all() {
	mode := r.m.Mode
	check := func(name string, fn func() error) bool {
		err := fn()
		report(mode, name, err)
		return err == nil
	}
	if !check("certificates download, decrypt and verify", r.certificates) {
		return
	}
	r.client, _ = core.NewClient(r.ctx, option.WithWechatPayAuthCipher(r.m.Mchid, r.m.Serial, r.key, r.certs))
	verifier := verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList(r.certs))
	h, err := notify.NewRSANotifyHandler(r.m.APIv3Key, verifier)
	if err != nil {
		report(mode, "notify handler", err)
		return
	}
	r.notify.mu.Lock()
	r.notify.handlers[r.path] = h
	r.notify.mu.Unlock()

	no := fmt.Sprintf("SDK%s%d", r.tag, time.Now().UnixNano()%1e12)
	var txID string
	if !check("jsapi order + cashier payment", func() error { _, err := r.pay(no, 1000); return err }) {
		return
	}
	check("payment notification (notify handler: signature, AES-GCM, RFC 3339 create_time)", func() error {
		got := r.notify.wait(r.path, func(x received) bool { return x.err == nil && str(x.content, "out_trade_no") == no }, 20*time.Second)
		if got == nil {
			return fmt.Errorf("no payment notification the SDK accepted: %s", r.rejections())
		}
		if got.envelope.EventType != "TRANSACTION.SUCCESS" || got.envelope.CreateTime == nil {
			return fmt.Errorf("envelope %+v", got.envelope)
		}
		return expect(got.content, map[string]string{"trade_state": "SUCCESS", "amount.total": "1000", "amount.currency": "HKD", "amount.payer_currency": "CNY"})
	})
	check("query by out_trade_no", func() error {
		res, err := r.client.Get(r.ctx, r.api("/v3/global/transactions/out-trade-no/"+no+"?"+r.idQuery()))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		txID = str(body, "id")
		if txID == "" {
			txID = str(body, "transaction_id")
		}
		return expect(body, map[string]string{"out_trade_no": no, "trade_state": "SUCCESS"})
	})
	check("query by transaction id", func() error {
		res, err := r.client.Get(r.ctx, r.api("/v3/global/transactions/id/"+txID+"?"+r.idQuery()))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		return expect(body, map[string]string{"out_trade_no": no})
	})

	refundNo := no + "-R1"
	var refundID string
	check("refund", func() error {
		res, err := r.client.Post(r.ctx, r.api("/v3/global/refunds"), r.idBody(map[string]interface{}{
			"out_trade_no": no, "out_refund_no": refundNo, "reason": "SDK conformance", "notify_url": r.notify.url + r.path,
			"amount": map[string]interface{}{"refund": 400, "total": 1000, "currency": "HKD"},
		}))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		refundID = str(body, "id")
		return expect(body, map[string]string{"out_refund_no": refundNo, "amount.refund": "400"})
	})
	check("refund notification (notify handler)", func() error {
		got := r.notify.wait(r.path, func(x received) bool { return x.err == nil && str(x.content, "out_refund_no") == refundNo }, 30*time.Second)
		if got == nil {
			return fmt.Errorf("no refund notification the SDK accepted: %s", r.rejections())
		}
		if got.envelope.EventType != "REFUND.SUCCESS" {
			return fmt.Errorf("event_type %s", got.envelope.EventType)
		}
		return expect(got.content, map[string]string{"refund_status": "SUCCESS", "out_trade_no": no, "amount.refund": "400"})
	})
	check("refund query by out_refund_no", func() error {
		res, err := r.client.Get(r.ctx, r.api("/v3/global/refunds/out-refund-no/"+refundNo+"?"+r.idQuery()))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		return expect(body, map[string]string{"id": refundID, "status": "SUCCESS"})
	})
	check("refund query by id", func() error {
		res, err := r.client.Get(r.ctx, r.api("/v3/global/refunds/id/"+refundID+"?"+r.idQuery()))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		return expect(body, map[string]string{"out_refund_no": refundNo})
	})
	check("all refunds of an order", func() error {
		q := url.Values{"out_trade_no": {no}, "offset": {"0"}, "count": {"10"}}
		res, err := r.client.Request(r.ctx, http.MethodGet, r.api("/v3/global/refunds?"+r.idQuery()), nil, q, nil, "")
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		return expect(body, map[string]string{"total_num": "1", "out_trade_no": no})
	})

	closeNo := no + "C"
	check("close (204 verified by the validator)", func() error {
		payer := map[string]interface{}{"openid": r.openid}
		if r.m.Mode == "institution" {
			payer = map[string]interface{}{"sub_openid": r.openid}
		}
		if _, err := r.client.Post(r.ctx, r.api("/v3/global/transactions/jsapi"), r.appBody(map[string]interface{}{
			"description": "SDK close", "out_trade_no": closeNo, "notify_url": r.notify.url + r.path, "trade_type": "JSAPI",
			"merchant_category_code": "5812", "amount": map[string]interface{}{"total": 100, "currency": "HKD"}, "payer": payer,
		})); err != nil {
			return err
		}
		// Close is refused for 5 minutes after the order: the SDK sees RULE_LIMIT as an APIError first.
		_, err := r.client.Post(r.ctx, r.api("/v3/global/transactions/out-trade-no/"+closeNo+"/close"), r.idBody(nil))
		if apiErr, ok := err.(*core.APIError); !ok || apiErr.Code != "RULE_LIMIT" {
			return fmt.Errorf("early close: want APIError RULE_LIMIT, got %v", err)
		}
		if _, err := admin(r.cfg.BaseURL, "POST", "/sandbox/orders/backdate", map[string]interface{}{"out_trade_no": closeNo, "seconds": 300}); err != nil {
			return err
		}
		res, err := r.client.Post(r.ctx, r.api("/v3/global/transactions/out-trade-no/"+closeNo+"/close"), r.idBody(nil))
		if err != nil {
			return err
		}
		if res.Response.StatusCode != 204 {
			return fmt.Errorf("close answered %d", res.Response.StatusCode)
		}
		return nil
	})

	qpNo := no + "Q"
	check("Quick Pay (micropay) and reverse", func() error {
		res, err := r.client.Post(r.ctx, r.api("/v3/global/micropay/transactions/pay"), r.appBody(map[string]interface{}{
			"description": "SDK Quick Pay", "out_trade_no": qpNo, "trade_type": "MICROPAY", "merchant_category_code": "5812",
			"amount": map[string]interface{}{"total": 300, "currency": "HKD"}, "payer": map[string]interface{}{"auth_code": "134567890123456789"},
		}))
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		if err := expect(body, map[string]string{"trade_state": "SUCCESS", "trade_type": "MICROPAY"}); err != nil {
			return err
		}
		res, err = r.client.Post(r.ctx, r.api("/v3/global/micropay/transactions/out-trade-no/"+qpNo+"/reverse"), r.idBody(nil))
		if err != nil {
			return err
		}
		if res.Response.StatusCode != 204 {
			return fmt.Errorf("reverse answered %d", res.Response.StatusCode)
		}
		res, err = r.client.Get(r.ctx, r.api("/v3/global/transactions/out-trade-no/"+qpNo+"?"+r.idQuery()))
		if err != nil {
			return err
		}
		body, err = decode(res)
		if err != nil {
			return err
		}
		return expect(body, map[string]string{"trade_state": "REVOKED"})
	})

	today := time.Now().In(time.FixedZone("GMT+8", 8*3600)).Format("20060102")
	check("statement download, SHA-1 and signature over {\"sha1\":...}", func() error {
		res, err := r.plain.Get(r.ctx, r.api("/v3/global/statements?date="+today+"&"+r.idQuery()))
		if err != nil {
			return err
		}
		csv, _ := io.ReadAll(res.Response.Body)
		sum := sha1.Sum(csv)
		want := res.Response.Header.Get("Wechatpay-Statement-Sha1")
		if hex.EncodeToString(sum[:]) != want {
			return fmt.Errorf("SHA-1 of %d bytes is %x, header says %q", len(csv), sum, want)
		}
		if !strings.Contains(string(csv), no) {
			return fmt.Errorf("statement has no row for %s", no)
		}
		// The validator verifies a response over its body: give it the body the statement is signed over.
		signed := &http.Response{Header: res.Response.Header, Body: io.NopCloser(strings.NewReader(`{"sha1":"` + want + `"}`))}
		v := validators.NewWechatPayResponseValidator(verifier)
		return v.Validate(r.ctx, signed)
	})
	check("settlements (no offset/limit, as the seed allows)", func() error {
		q := url.Values{"settle_state": {"SETTLED"}, "settle_start_date": {today}, "settle_end_date": {today}}
		if r.m.Mode == "institution" {
			q.Set("sub_mchid", r.m.SubMchid)
		}
		res, err := r.client.Request(r.ctx, http.MethodGet, r.api("/v3/global/settle/settlements"), nil, q, nil, "")
		if err != nil {
			return err
		}
		body, err := decode(res)
		if err != nil {
			return err
		}
		data, _ := body["data"].([]interface{})
		if len(data) == 0 {
			return fmt.Errorf("no settlement batch for %s: %v", today, body)
		}
		return expect(body, map[string]string{"offset": "0"})
	})
	check("compact create_time is rejected by the SDK (why RFC 3339 is the default)", func() error {
		if _, err := admin(r.cfg.BaseURL, "POST", "/sandbox/merchants/"+r.m.Mchid+"/settings", map[string]interface{}{"paymentNotifyCreateTime": "compact"}); err != nil {
			return err
		}
		defer admin(r.cfg.BaseURL, "POST", "/sandbox/merchants/"+r.m.Mchid+"/settings", map[string]interface{}{"paymentNotifyCreateTime": nil})
		compactNo := no + "T"
		if _, err := r.pay(compactNo, 100); err != nil {
			return err
		}
		got := r.notify.wait(r.path, func(x received) bool { return strings.Contains(x.raw, `"create_time":"`) && x.err != nil }, 20*time.Second)
		if got == nil {
			return fmt.Errorf("the SDK accepted every notification, including the compact one")
		}
		if !strings.Contains(got.err.Error(), "parsing time") {
			return fmt.Errorf("rejected for another reason: %v", got.err)
		}
		return nil
	})
}

func (r *run) rejections() string {
	r.notify.mu.Lock()
	defer r.notify.mu.Unlock()
	var out []string
	for _, x := range r.notify.got[r.path] {
		if x.err != nil {
			out = append(out, x.err.Error())
		}
	}
	return fmt.Sprintf("%d received, rejections: %v", len(r.notify.got[r.path]), out)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wechatpay-conformance CONFIG.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ns, err := startNotifyServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var wg sync.WaitGroup
	for i, m := range cfg.Merchants {
		key, err := utils.LoadPrivateKeyWithPath(m.PrivateKeyPath)
		if err != nil {
			report(m.Mode, "load merchant key", err)
			continue
		}
		ctx := context.Background()
		plain, _ := core.NewClient(ctx, option.WithMerchantCredential(m.Mchid, m.Serial, key), option.WithoutValidator())
		payAppid := m.Appid
		if m.Mode == "institution" {
			payAppid = m.SubAppid
		}
		who, err := admin(cfg.BaseURL, "GET", "/sandbox/openid?user=sdk-conformance&appid="+url.QueryEscape(payAppid), nil)
		if err != nil {
			report(m.Mode, "sandbox openid", err)
			continue
		}
		r := &run{cfg: cfg, m: m, key: key, plain: plain, notify: ns, path: fmt.Sprintf("/notify/%s", m.Mchid), ctx: ctx,
			tag: strings.ToUpper(m.Mode[:1]) + strconv.Itoa(i), openid: str(who, "openid"), payAppid: payAppid}
		wg.Add(1)
		go func() { defer wg.Done(); r.all() }()
	}
	wg.Wait()
	if failed {
		os.Exit(1)
	}
}

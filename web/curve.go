package web

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// curveChart is a session's charging curve drawn on the server as SVG:
// the energy charged (kWh, left axis) and the power (kW, right axis) over
// time, in the units of its viewBox.
type curveChart struct {
	SessionID    fc.ID
	Desc         string
	Energy       string // polyline points; "" when the session has no energy samples
	Power        string // polyline points; "" when it has no power samples
	EnergyTicks  []chartTick
	PowerTicks   []chartTick
	TimeLabels   []curveTimeLabel
	Samples      int
	EnergyLegend string
	PowerLegend  string
}

type curveTimeLabel struct {
	X     int
	Label string
}

// Curve geometry, in viewBox units.
const (
	curveLeft   = 52
	curveRight  = 428
	curveTop    = 12
	curveBottom = 182
)

// curvePoint is one value of a series at a time.
type curvePoint struct {
	at time.Time
	v  float64
}

// curveSeries picks the samples of one measurand, all phases together, in
// the units scale maps them to (ok false: a unit it does not know), one
// value per time (the last stored).
func curveSeries(xs []fc.MeterSample, measurand string, scale func(unit string) (float64, bool)) []curvePoint {
	var out []curvePoint
	for _, x := range xs {
		if x.Measurand != measurand || x.Phase != "" || x.Value == nil {
			continue
		}
		k, ok := scale(x.Unit)
		if !ok {
			continue
		}
		p := curvePoint{at: x.At, v: *x.Value * k}
		if n := len(out); n > 0 && out[n-1].at.Equal(p.at) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// newCurveChart lays out the curve of session x from its samples (by time);
// nil when they hold neither energy nor power.
func newCurveChart(ctx context.Context, x *fc.Session, xs []fc.MeterSample, loc *time.Location) *curveChart {
	energy := curveSeries(xs, fc.MeasurandEnergy, func(u string) (float64, bool) {
		switch u {
		case "Wh":
			return 0.001, true
		case "kWh":
			return 1, true
		}
		return 0, false
	})
	power := curveSeries(xs, fc.MeasurandPower, func(u string) (float64, bool) {
		switch u {
		case "W":
			return 0.001, true
		case "kW":
			return 1, true
		}
		return 0, false
	})
	if len(energy) == 0 && len(power) == 0 {
		return nil
	}
	// The energy charged: from the session's meter start, or from the
	// first reading when the register reads below it (another meter).
	if len(energy) > 0 {
		base := float64(x.MeterStartWh) / 1000
		if energy[0].v < base {
			base = energy[0].v
		}
		for i := range energy {
			energy[i].v -= base
		}
	}
	from, to := x.StartedAt, x.StartedAt
	for _, s := range [][]curvePoint{energy, power} {
		for _, p := range s {
			if p.at.Before(from) {
				from = p.at
			}
			if p.at.After(to) {
				to = p.at
			}
		}
	}
	if x.StoppedAt != nil && x.StoppedAt.After(to) {
		to = *x.StoppedAt
	}
	span := to.Sub(from)
	if span <= 0 {
		span = time.Minute
	}
	xOf := func(t time.Time) float64 {
		return curveLeft + float64(curveRight-curveLeft)*float64(t.Sub(from))/float64(span)
	}
	c := &curveChart{SessionID: x.ID, Samples: len(xs)}
	maxE, eTicks := niceScale(maxOf(energy))
	maxP, pTicks := niceScale(maxOf(power))
	c.Energy = polyline(energy, xOf, maxE)
	c.Power = polyline(power, xOf, maxP)
	if c.Energy != "" {
		c.EnergyTicks = ticks(eTicks, maxE)
		c.EnergyLegend = "Energy charged (kWh), left axis"
	}
	if c.Power != "" {
		c.PowerTicks = ticks(pTicks, maxP)
		c.PowerLegend = "Power (kW), right axis"
	}
	if loc == nil {
		loc = time.UTC
	}
	tag := i18n.FromContext(ctx)
	layout := "15:04"
	if to.In(loc).YearDay() != from.In(loc).YearDay() || to.Year() != from.Year() {
		layout = "Jan 2 15:04"
		if i18n.Supported(tag) != i18n.English {
			layout = i18n.DateTimeLayout(tag) // 31/03/2026 14:05: no English month
		}
	}
	for i := 0; i <= 2; i++ {
		t := from.Add(span * time.Duration(i) / 2)
		c.TimeLabels = append(c.TimeLabels, curveTimeLabel{X: int(math.Round(xOf(t))), Label: t.In(loc).Format(layout)})
	}
	// The description, read out instead of the curve, in the page's
	// language: each part a whole message, figures as it writes them.
	var desc []string
	if n := len(energy); n > 0 {
		desc = append(desc, i18n.T(tag, "energy charged rises to %s", i18n.Localize(tag, strconv.FormatFloat(energy[n-1].v, 'f', 2, 64)+" kWh")))
	}
	if len(power) > 0 {
		desc = append(desc, i18n.T(tag, "power peaks at %s", i18n.Localize(tag, strconv.FormatFloat(maxOf(power), 'f', 1, 64)+" kW")))
	}
	c.Desc = i18n.T(tag, "From %s to %s: %s.", from.In(loc).Format(layout), to.In(loc).Format(layout), strings.Join(desc, i18n.Semicolon(tag)))
	return c
}

func maxOf(s []curvePoint) float64 {
	m := 0.0
	for _, p := range s {
		m = max(m, p.v)
	}
	return m
}

// niceScale returns a round top of an axis at or above m, and its step.
func niceScale(m float64) (top, step float64) {
	if m <= 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 1, 0.25
	}
	step = math.Pow(10, math.Floor(math.Log10(m/4)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if m/(step*f) <= 4 {
			step *= f
			break
		}
	}
	return step * math.Ceil(m/step), step
}

// ticks returns the axis ticks from 0 to top.
func ticks(step, top float64) []chartTick {
	var out []chartTick
	for i := 0; i <= 8; i++ {
		v := step * float64(i)
		if v > top+step/2 {
			break
		}
		y := curveBottom - float64(curveBottom-curveTop)*v/top
		out = append(out, chartTick{Y: int(math.Round(y)), Label: strconv.FormatFloat(v, 'f', -1, 32)})
	}
	return out
}

// polyline returns the points of a series scaled to top, or "".
func polyline(s []curvePoint, xOf func(time.Time) float64, top float64) string {
	var b strings.Builder
	for i, p := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		y := curveBottom - float64(curveBottom-curveTop)*max(p.v, 0)/top
		b.WriteString(strconv.FormatFloat(xOf(p.at), 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
	}
	return b.String()
}

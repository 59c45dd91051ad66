package e2e

import "testing"

// TestCheckboxField: a form's checkbox has its label right beside it, and its
// hint takes the width of the form under the label, not the box's narrow
// column (the migration form's "Move linked assets along").
func TestCheckboxField(t *testing.T) {
	ctx := tab(t, "admin@voltaria.example")
	if status := open(t, ctx, "/migrations"); status != 200 {
		t.Fatalf("the migration page: status %d", status)
	}
	got := eval[map[string]float64](t, ctx, `(() => {
		const box = document.querySelector('input[type=checkbox][name=with_linked]');
		const label = document.querySelector('label[for="' + box.id + '"]');
		const field = box.closest('.field'), hint = field.querySelector('.hint');
		const b = box.getBoundingClientRect(), l = label.getBoundingClientRect(), h = hint.getBoundingClientRect(), f = field.getBoundingClientRect();
		return {beside: l.left >= b.right && l.top < b.bottom && l.bottom > b.top ? 1 : 0, under: h.top >= l.bottom ? 1 : 0,
			hintShare: h.width / f.width, labelLeft: l.left - f.left, hintLeft: h.left - f.left};
	})()`)
	if got["beside"] != 1 || got["labelLeft"] > 48 {
		t.Errorf("the label is not beside its checkbox: %v", got)
	}
	if got["under"] != 1 || got["hintShare"] < 0.8 || got["hintLeft"] != got["labelLeft"] {
		t.Errorf("the hint is not under the label across the form: %v", got)
	}
}

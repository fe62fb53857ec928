//! The page's clock, in the runner's unit: milliseconds since the Unix epoch.

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A page that paints no frames (a hidden tab) still gets `after_paint`'s and `next_frame`'s call after this long.
const PAINT_FALLBACK_MS: u32 = 250;

/// A wake-up at most this far off is one timer; a later one is two (see [`wake_at`]).
const SHORT_TIMER_MS: u64 = 32;

/// Calls `f` at `at_ms` on [`now_ms`]'s clock, or as soon after as the page can. Dropping the handle before
/// then cancels the call.
///
/// Browsers let a timer fire late, and the longer the timer, the later: headless Chromium fires a 2 s
/// timer 10–20 ms late, and a 30 ms one within a millisecond. A poll every second or two would lose that
/// much each time. So a wake-up further off than [`SHORT_TIMER_MS`] is a long timer that ends a little
/// ahead (see [`first_timer`]), then a short one for what is left.
pub fn wake_at(at_ms: u64, f: impl FnOnce() + 'static) -> Wake {
    let delay = at_ms.saturating_sub(now_ms());
    let second = Rc::new(RefCell::new(None::<Timeout>));
    let first_ms = first_timer(delay);
    if first_ms == delay {
        return Wake {
            _first: Timeout::new(millis(delay), f),
            _second: second,
        };
    }
    // The second timer has a slot of its own: the first timer's callback must not replace (and so drop)
    // the timer that is running it.
    let slot = Rc::downgrade(&second);
    let first = Timeout::new(millis(first_ms), move || {
        if let Some(slot) = slot.upgrade() {
            let rest = at_ms.saturating_sub(now_ms());
            *slot.borrow_mut() = Some(Timeout::new(millis(rest), f));
        }
    });
    Wake {
        _first: first,
        _second: second,
    }
}

/// How long the first timer of a wake-up `delay_ms` away runs: all of it when that is short, else all but
/// a lead (a thirty-second of the delay, at least half of [`SHORT_TIMER_MS`]) that covers the first timer's
/// lateness and is then waited out by a short timer.
pub fn first_timer(delay_ms: u64) -> u64 {
    if delay_ms <= SHORT_TIMER_MS {
        delay_ms
    } else {
        delay_ms - (delay_ms / 32).max(SHORT_TIMER_MS / 2)
    }
}

fn millis(ms: u64) -> u32 {
    ms.min(u32::MAX as u64) as u32
}

/// A pending [`wake_at`]: dropping it cancels the call.
pub struct Wake {
    _first: Timeout,
    _second: Rc<RefCell<Option<Timeout>>>,
}

/// Calls `f` once the page has painted what is in the document now: in a task of its own after the next
/// animation frame. Dropping the handle before then cancels the call.
pub fn after_paint(f: impl FnOnce() + 'static) -> AfterPaint {
    on_frame(f, true)
}

/// Calls `f` in the next animation frame, just before the page paints what is in the document now: for
/// starting something cheap (a fetch) as early as the first paint allows, without delaying it. Dropping the
/// handle before then cancels the call.
pub fn next_frame(f: impl FnOnce() + 'static) -> AfterPaint {
    on_frame(f, false)
}

fn on_frame(f: impl FnOnce() + 'static, in_next_task: bool) -> AfterPaint {
    let once = Rc::new(RefCell::new(Some(Box::new(f) as Box<dyn FnOnce()>)));
    let call = move || {
        let f = once.borrow_mut().take();
        if let Some(f) = f {
            f();
        }
    };
    let after_frame = Rc::new(RefCell::new(None::<Timeout>));
    let frame = {
        let (call, after_frame) = (call.clone(), after_frame.clone());
        Closure::once(move || {
            if in_next_task {
                *after_frame.borrow_mut() = Some(Timeout::new(0, call));
            } else {
                call();
            }
        })
    };
    let window = gloo_utils::window();
    let frame_id = window
        .request_animation_frame(frame.as_ref().unchecked_ref())
        .ok();
    AfterPaint {
        frame: frame_id.map(|id| (id, frame)),
        _after_frame: after_frame,
        _fallback: Timeout::new(PAINT_FALLBACK_MS, call),
    }
}

pub struct AfterPaint {
    frame: Option<(i32, Closure<dyn FnMut()>)>,
    _after_frame: Rc<RefCell<Option<Timeout>>>,
    _fallback: Timeout,
}

impl Drop for AfterPaint {
    fn drop(&mut self) {
        if let Some((id, _)) = &self.frame {
            let _ = gloo_utils::window().cancel_animation_frame(*id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_wait_is_one_timer() {
        assert_eq!(first_timer(0), 0);
        assert_eq!(first_timer(10), 10);
        assert_eq!(first_timer(SHORT_TIMER_MS), SHORT_TIMER_MS);
    }

    #[test]
    fn a_long_wait_ends_its_first_timer_early_by_a_share_of_it() {
        // Just past the short limit: the lead is its floor, half the short limit.
        assert_eq!(
            first_timer(SHORT_TIMER_MS + 1),
            SHORT_TIMER_MS + 1 - SHORT_TIMER_MS / 2
        );
        assert_eq!(first_timer(1_000), 1_000 - 31);
        // Chromium fires a 2 s timer up to about 20 ms late: the lead covers it.
        assert_eq!(first_timer(2_000), 2_000 - 62);
        assert_eq!(first_timer(60_000), 60_000 - 1_875);
        // The second timer is always short enough to be precise, except for very long waits, where it is
        // a share of the wait.
        for delay in [33, 100, 1_000, 2_000, 3_000] {
            let second = delay - first_timer(delay);
            assert!(
                second >= SHORT_TIMER_MS / 2 && second < delay,
                "{delay}: {second}"
            );
        }
    }
}

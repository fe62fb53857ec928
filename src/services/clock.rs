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

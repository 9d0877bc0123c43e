## Slot watches (issue 16): «Wait for a slot» for oneself or a child, the list «My watches», the notices.

watch-btn-offer = 🔔 Wait for a slot
watch-btn-offer-change = 🔔 Watching: change
watch-limit-line = 🔔 You can wait for slots in at most { $max } places at once, and all are taken. Stop the ones you no longer need in “My watches”.
watch-stopped = No longer watching for slots.
watch-gone = This watch has already been stopped.
watch-ended = This watch has ended. You can start it again on the doctor’s screen.
watch-too-many = You can watch at most { $max } places. Stop the ones you no longer need in “My watches”.

## The form
watch-form-title = 🔔 <b>Wait for a slot</b>
watch-form-edit-title = ✏️ <b>Change the watch</b>
watch-form-for = For: <b>{ $person }</b>
watch-form-window = Suitable: <b>{ $window }</b>
watch-form-auto-on = 🤖 Auto-book is <b>on</b>: I book the first suitable slot for { $me ->
        [yes] you
       *[other] { $person }
    } and tell you at once, with a “Cancel” button.
watch-form-auto-cannot = ⚠️ To book by myself I need a confirmed Gosuslugi account (see “Gosuslugi”). Until then I only tell you of a slot.
watch-form-auto-cannot-me = ⚠️ To book by myself I need your details (see “My details”). Until then I only tell you of a slot.
watch-form-auto-off = 🤖 Auto-book is off: I tell you of a slot, and you book it with one tap.
watch-form-rebook-on = ↩️ { $me ->
        [yes] You already have
       *[other] { $person } already has
    } a visit to this doctor ({ $when }): if I find an earlier one, I book it and cancel the old one.
watch-form-rebook-off = ↩️ { $me ->
        [yes] You already have
       *[other] { $person } already has
    } a visit to this doctor ({ $when }): of an earlier slot I only tell you.
watch-limits = Watches: { $count } of { $max }, { $left } more allowed; each lasts { $days } days.
watch-form-type =
    ✏️ Type when a slot suits you, separated by commas, for example:
    <code>weekdays, after 15:00, until 20.12</code>
    <code>mon wed fri, 9:00-12:00</code>
    <code>within 2 weeks, in 24 h</code>
watch-btn-for-me = Me
watch-btn-preset-any = Any time
watch-btn-preset-after-school = After 15:00
watch-btn-preset-workdays = Weekdays
watch-btn-preset-two-weeks = 2 weeks
watch-btn-typed = ✏️ Own window
watch-btn-auto-on = 🤖 Auto-book: on
watch-btn-auto-off = 🤖 Auto-book: off
watch-btn-rebook-on = ↩️ Move earlier: on
watch-btn-rebook-off = ↩️ Move earlier: off
watch-btn-done = ✅ Done
watch-btn-back = « Back
watch-started = { $me ->
        [yes] Waiting for a slot for you
       *[other] Waiting for a slot for: { $person }
    } — all watches are in “My watches”
watch-changed = The watch is changed.
watch-window-set = Window: { $window }

## Windows, as shown
watch-window-any = any time
watch-window-from-to = { $from } to { $to }
watch-window-from = from { $from }
watch-window-to = until { $to }
watch-window-workdays = weekdays
watch-window-weekend = weekends
watch-window-after = after { $time }
watch-window-before = before { $time }
watch-window-between = { $after }–{ $before }
watch-window-notice = at least { $hours } h ahead

## Typed windows that cannot be read
watch-window-err-empty = Type the window in words, for example: <code>weekdays, after 15:00</code>
watch-window-err-unknown = I did not understand “{ $what }”. Example: <code>weekdays, after 15:00, until 20.12</code>
watch-window-err-date = There is no such date: “{ $what }”. Example: <code>01.12 to 15.12</code>
watch-window-err-time = There is no such time: “{ $what }”. Example: <code>after 15:00</code>
watch-window-err-dates-reversed = The last day is before the first. Example: <code>01.12 to 15.12</code>
watch-window-err-past = These dates have passed. Example: <code>within 2 weeks</code>
watch-window-err-too-far = Booking is not open that far ahead: start within { $days } days.
watch-window-err-times-reversed = No slot fits into that time. Example: <code>9:00-12:00</code>
watch-window-err-notice = That notice is too long: at most { $hours } h. Example: <code>in 24 h</code>

## The list «My watches»
watch-list-title = 🔔 <b>My watches</b>
watch-list-empty = No watches. On a doctor’s or a specialty’s screen tap “Wait for a slot”: I will tell you (or book) when a slot appears.
watch-list-person = 👤 <b>{ $person }</b>
watch-list-item = <b>{ $n }.</b> { $what }
    { $window } · auto-book: { $auto } · { $status }
watch-list-auto-on = yes
watch-list-auto-off = no
watch-status-active = waiting until { $until }
watch-status-paused = ⏸ paused until { $until }
watch-status-booking = booking…
watch-status-booked = ✅ booked
watch-status-expired = ⌛ ended
watch-status-checked = checked { $when }
watch-status-found = a slot was there { $when }
watch-what-doctor = Doctor: { $doctor }, { $specialty }
watch-what-specialty = Specialty: { $specialty } (any doctor)
watch-btn-list = 🔔 My watches ({ $count })
watch-btn-appointments = « My visits
watch-btn-card-n = { $n }
watch-btn-edit = ✏️ Window
watch-btn-pause = ⏸ Pause
watch-btn-resume = ▶️ Resume
watch-btn-stop = 🔕 Stop
watch-btn-to-list = « My watches
watch-paused = The watch is paused.
watch-resumed = Waiting for a slot again.
watch-auto-set-on = Auto-book is on.
watch-auto-set-off = Auto-book is off.

## The notices
watch-found-title = 🔔 <b>Free slots appeared</b>
watch-found-for = For: { $person }
watch-found-nearest = Soonest: { $when } (local time). New slots: { $count }.
watch-found-hint = Slots go fast: better book right away. The watch goes on.
watch-found-later-move = This is earlier than the current visit ({ $when }): “Book” moves it to the new time.
watch-found-later-keep = The current visit ({ $when }) stays: you can cancel it in “My visits”.
watch-slot-unfit = This slot no longer suits: there is a visit to this specialty that day already, or it is not earlier than the current visit.
watch-btn-book = 📝 Book
watch-btn-skip = ⏭ Skip this one
watch-btn-other = 📅 Other times
watch-skipped = ⏭ This slot is skipped: I keep looking.
watch-slot-gone = This slot is taken already: I keep looking.
watch-busy = I am booking for this watch already.
watch-cannot-book = Could not book: a confirmed Gosuslugi account is needed, or the clinic did not find the patient. Try booking by hand.
watch-pending = The clinic has not answered yet. I will tell you as soon as it is clear whether you are booked.
watch-for-now = Booking for: { $person }

## Issue 16: what the watch worker tells.
watch-booked-title = ✅ <b>Booked from your slot watch</b>
watch-booked-replaced = The earlier booking for { $when } is cancelled: the new one is sooner.
watch-booked-not-cancelled = The earlier booking for { $when } could not be cancelled — cancel it yourself in “My appointments” if you do not need it.
watch-expired-title = ⌛ <b>Your slot watch has ended</b>
watch-expired-hint = No suitable slot turned up in that time. You can start watching again on the doctor’s screen.

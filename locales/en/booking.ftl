## Booking a visit: specialty → doctor → day → time → confirmation; «My appointments» and cancelling.

booking-btn-back = « Back
booking-page = Page { $page } of { $pages }
booking-gone = That option is no longer in the schedule — here is what there is now.

booking-specialties-title = <b>{ $clinic }</b>
    Choose a specialty (free slots in brackets):
booking-specialties-empty = <b>{ $clinic }</b>
    This clinic has no specialties open for online booking right now. Choose another clinic or call its front desk.
booking-specialty-label = { $name } ({ $free })

booking-doctors-title = <b>{ $specialty }</b>
    Choose a doctor:
booking-doctors-empty = <b>{ $specialty }</b>
    No doctors of this specialty are open for online booking right now.
booking-doctor-line = • <b>{ $name }</b>{ $area } — { $nearest }
booking-doctor-area = , { $area }
booking-doctor-nearest = next visit { $date }
booking-doctor-no-slots = no free slots

booking-doctor-chosen = <b>{ $doctor }</b>, { $specialty }
booking-days-title = Choose a day (free slots in brackets):
booking-days-empty = No free slots until { $until }. Try another doctor or look again later.
booking-day-label = { $day } ({ $free })
booking-day-full = That day has no slots left — choose another.

## The doctor as the registry describes them: the участок (the word only for bare numbers, otherwise as
## written) and the comment (absences and the like), shortened.
booking-area-one = area { $area }
booking-area-many = areas { $areas }

## The days screen, a week at a time: only weeks with free slots are counted and shown.
booking-week = Week { $week } of { $weeks }: { $dates }
booking-btn-week-before = ◀ { $dates }
booking-btn-week-after = { $dates } ▶

## The doctor's reception hours in the week on display, from the registry's timetable, and the days closed
## for booking with the registry's reason.
booking-reception-title = Reception this week:
booking-reception-hours = { $day } — { $hours }
booking-reception-from = from { $start }
booking-reception-closed = { $day } — no booking: { $reason }
booking-reception-closed-plain = { $day } — no booking
booking-times-title = { $day }: choose a time.

booking-confirm-title = <b>Check your appointment</b>
booking-confirm-hint = All correct? Tap «Confirm».
booking-btn-confirm = ✅ Confirm

booking-need-gosuslugi = To book, log in with Gosuslugi: only a confirmed account can book (for a child, the parent's account).
    I have kept the time you chose: after the login we come back to the confirmation.
booking-need-confirmed = Your Gosuslugi account is not confirmed, and only a confirmed account can book a doctor. Confirm it (at a service centre, through online banking or Russian Post) and log in again.
    I have kept the time you chose: after the login we come back to the confirmation.
booking-need-identity = Gosuslugi did not pass on your full name or date of birth, and the clinic cannot find your record without them. Log in with Gosuslugi again and allow access to them.
booking-btn-resume = ▶️ I have logged in — continue
booking-still-need-gosuslugi = The Gosuslugi login has not finished yet.
booking-resumed = Gosuslugi is linked — let us finish the booking.

booking-patient-not-found = The clinic found no patient with this name and date of birth. They may not be attached to this clinic.
    Check the attachment at the front desk or choose another clinic.
booking-btn-other-clinic = 🏥 Choose another clinic
booking-slot-taken = That time has just been taken. Choose another:
booking-already-done = This booking has already been made.

booking-booked-title = ✅ <b>You are booked</b>
booking-booked-hint = I will remind you before the visit. The calendar file is below.
booking-calendar-caption = Add the visit to your calendar
booking-btn-appointments = 📋 My appointments

booking-appointments-title = <b>My appointments</b>
booking-appointments-empty = <b>My appointments</b>
    No upcoming appointments.
booking-appointment-item = <b>{ $n }.</b> { $when }
    { $specialty }: { $doctor }
    { $clinic }, { $address }
booking-appointments-person = 👤 <b>{ $person }</b>
booking-appointment-room = Room: { $room }
booking-appointment-phone = ☎️ { $phone }
booking-btn-cancel-n = ❌ Cancel { $n }
booking-sync-failed = Could not check with the booking system: showing what I know.

booking-cancel-question = <b>Cancel this appointment?</b>
booking-btn-cancel-yes = Yes, cancel
booking-btn-cancel-no = No
booking-cancelled = The appointment is cancelled.
booking-cancel-refused = The booking system did not cancel the appointment. Please call the clinic's front desk.
booking-booked-unsaved = ⚠️ The clinic has your booking, but the bot could not save it, so there will be no reminders of it. Note the time of the visit; to cancel it, call the clinic.
booking-pending = ⏳ <b>The clinic did not answer in time</b>
booking-pending-hint = The booking may already have been made. I will check within a few minutes and write here whether it went through. Please do not book this same time again meanwhile.
booking-cancel-not-listed = The clinic does not list this booking yet, so it cannot be cancelled right now. Please try again in a few minutes.
booking-cancel-gone = The clinic no longer has this booking: it is cancelled here too.

# ESIA_URL=off: the user's own data instead of a Gosuslugi login.
booking-need-self = To book, fill in your details: full name, date of birth and OMS policy number — once. The clinic finds your record by them.
    I have kept the time you chose: we will come back to the confirmation afterwards.
booking-btn-fill-self = 📝 Fill in my details

## Who is booked: the line on every booking screen and the age on the confirmation card

booking-for-me = you
booking-for-aged = { $name }, { $age } { $age ->
        [one] year
       *[other] years
    }
booking-for-line = 👤 For: { $person }
booking-btn-for = 👤 For: { $person }
booking-age-child-at-adults = ⚠️ For: { $person } — and this is a visit for adults. Children under 18 are seen at children's clinics and by pediatricians.
booking-age-adult-at-children = ⚠️ For: { $person } — and this is a visit for children under 18. Adults are seen at adult clinics and by therapists.
booking-turns-14 = ℹ️ By the visit the child turns 14 ({ $date }). From 14, by the portal's rules, people book through their own Gosuslugi account: this visit can be confirmed here, the next ones from the child's account.
booking-already-14 = ℹ️ The child is already 14. From 14, by the portal's rules, people book through their own Gosuslugi account; parents book for children under 14.
booking-confirm-hint-anyway = The age does not fit this visit. Book anyway, choose another clinic or book for someone else?
booking-btn-confirm-anyway = ⚠️ Book anyway

## The check at «Book»: whether this account can book

booking-gate-not-linked = ℹ️ To book, sign in with Gosuslugi («🏛 Gosuslugi» below) — a confirmed account is needed. You can choose the clinic, doctor and time already: the choice is kept, and after signing in we come back to the confirmation.
booking-gate-not-confirmed = ℹ️ Your Gosuslugi account is not confirmed, and only a confirmed one can book a doctor. Confirm it (at a service centre, through online banking or Russian Post) and sign in again. You can choose the doctor and time already: the choice is kept.
booking-gate-under-14 = ℹ️ People book a doctor themselves from 14. A child under 14 is booked by a parent from their account («My children»). You can still look at clinics and doctors.
booking-gate-no-details = ℹ️ To book, fill in your details («🪪 My details» below): full name, date of birth and policy — once. You can choose the doctor and time already: the choice is kept.

## Shortcuts: book again, one's own clinic, the soonest time

booking-btn-again = 🔁 { $specialty }: { $doctor }
booking-again-gone = This specialty is not open at the clinic now — please choose another.
booking-btn-my-clinic = 🏥 { $person }: { $clinic }
booking-soonest-label = ⚡ { $day }, { $time }
booking-link-gone = The doctor or specialty of the link is not there now — here is the clinic.
booking-ask-nothing = No such doctor or specialty found. Type, for example: «pediatrician» or a doctor's surname.
booking-ask-whom = Who is the visit for?
booking-ask-no-clinic = I don't know your clinic yet: tap «Book a visit» and choose it. Then you can simply type, for example, «pediatrician».
booking-btn-soonest-any = ⚡ Soonest visit
booking-soonest-any-title = <b>{ $specialty }</b>: the soonest free times of all doctors. Choose a time:
booking-soonest-any-empty = <b>{ $specialty }</b>: no free times right now.
booking-soonest-any-label = { $day } { $time } — { $doctor }

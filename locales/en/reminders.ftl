## Reminders before a visit, their buttons, the calendar file, and Settings → Reminders.

reminder-title = 🔔 <b>Reminder of your doctor's appointment</b>
reminder-who = Patient: { $person }
reminder-at = When: { $when } (local time)
reminder-doctor = Doctor: { $doctor }, { $specialty }
reminder-clinic = Clinic: { $clinic }
reminder-address = Address: { $address }
reminder-room = Room: { $room }
reminder-phone = Phone: { $phone }
reminder-when = { $day }, { $date } at { $time }
reminder-day-today = today
reminder-day-tomorrow = tomorrow
weekday-mon = Mon
weekday-tue = Tue
weekday-wed = Wed
weekday-thu = Thu
weekday-fri = Fri
weekday-sat = Sat
weekday-sun = Sun

btn-appointment-cancel = ❌ Cancel appointment
btn-appointment-route = 🗺 Directions
btn-appointment-calendar = 📅 Add to calendar

appointment-not-found = This appointment was not found.
appointment-already-cancelled = This appointment is already cancelled.
appointment-cancel-soon = Cancelling from the bot is coming soon. For now, cancel by calling the clinic at { $phone }.
appointment-cancel-soon-no-phone = Cancelling from the bot is coming soon. For now, cancel at the clinic.
appointment-no-map = The clinic has no coordinates. Address: { $address }

ics-summary = Doctor's appointment: { $specialty }
ics-who = Patient: { $person }
ics-doctor = Doctor: { $doctor }, { $specialty }
ics-room = Room: { $room }
ics-phone = Clinic phone: { $phone }
ics-alarm = Doctor's appointment soon: { $specialty }

btn-reminders = 🔔 Reminders
btn-reminders-on = 🔔 Turn reminders on
btn-reminders-off = 🔕 Turn reminders off
btn-back-settings = « Settings
reminders-settings-on = <b>Appointment reminders</b>
    On: { $offsets } before the visit.
    Choose when to remind you, or type a time of your own: 3h, 1d, 30 min.
reminders-settings-off = <b>Appointment reminders</b>
    Off: I will not remind you of appointments.
reminders-saved = Saved
offset-hours = { $hours } h
offset-minutes = { $minutes } min

## The background sync with the registry: visits booked or cancelled elsewhere.

sync-found-title = 📋 <b>Found a visit booked outside the bot</b>
sync-found-hint = It is now in «My visits»; I will remind you of it if reminders are on.
sync-cancelled-title = ❌ <b>The clinic cancelled a visit</b>
sync-cancelled-hint = The registry no longer lists this visit, so there will be no reminders of it. If this is a mistake, contact the clinic.
btn-sync-book-again = 📝 Book again
btn-sync-appointments = 📋 My visits
sync-confirmed-hint = The clinic did not answer at once, but the booking was made. It is in «My appointments»; I will remind you beforehand if reminders are on.
sync-not-booked-title = ⚠️ <b>The booking did not go through</b>
sync-not-booked-hint = The clinic did not answer the booking request and does not list this visit. Please choose a time again — this one may still be free or may be taken.

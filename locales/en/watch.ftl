## Slot watches: «Notify me when slots appear».

watch-btn-on = 🔔 Notify me of slots
watch-btn-off = 🔕 Stop notifying
watch-started = I will tell you when slots appear. Watches are in «My visits».
watch-stopped = No longer watching for slots.
watch-gone = This watch has already been stopped.
watch-too-many = You can watch at most { $max } places. Stop the ones you no longer need in «My visits».

watch-list-title = 🔔 <b>Watching for slots</b>
watch-list-empty = You are not watching for slots. When a doctor has no free slots, tap «Notify me of slots» and I will write when they appear.
watch-list-item = <b>{ $n }.</b> { $what }
    { $clinic } · until { $until }
watch-what-doctor = Doctor: { $doctor }, { $specialty }
watch-what-specialty = Specialty: { $specialty } (any doctor)
watch-btn-stop-n = 🔕 Stop { $n }
watch-btn-list = 🔔 Slot watches ({ $count })
watch-btn-appointments = « My visits

watch-found-title = 🔔 <b>Free slots appeared</b>
watch-found-nearest = Soonest: { $when } (local time). New slots: { $count }.
watch-found-hint = Slots go fast: better book right away.
watch-btn-book = 📝 Book
watch-btn-stop = 🔕 Stop watching

## Issue 16: what the watch worker tells.
watch-booked-title = ✅ <b>Booked from your slot watch</b>
watch-booked-replaced = The earlier booking for { $when } is cancelled: the new one is sooner.
watch-booked-not-cancelled = The earlier booking for { $when } could not be cancelled — cancel it yourself in “My appointments” if you do not need it.
watch-expired-title = ⌛ <b>Your slot watch has ended</b>
watch-expired-hint = No suitable slot turned up in that time. You can start watching again on the doctor’s screen.

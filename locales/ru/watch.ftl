## Slot watches: «Сообщить, когда появятся талоны».

watch-btn-on = 🔔 Сообщить о талонах
watch-btn-off = 🔕 Не сообщать о талонах
watch-started = Сообщу, когда появятся талоны. Ожидание — в «Мои записи».
watch-stopped = Больше не слежу за талонами.
watch-gone = Это ожидание уже отменено.
watch-too-many = Можно ждать талоны не больше чем в { $max } местах. Отмените ненужное в «Мои записи».

watch-list-title = 🔔 <b>Ожидание талонов</b>
watch-list-empty = Вы не ждёте талонов. Если у врача нет свободных талонов, нажмите «Сообщить о талонах» — я напишу, когда они появятся.
watch-list-item = <b>{ $n }.</b> { $what }
    { $clinic } · до { $until }
watch-what-doctor = Врач: { $doctor }, { $specialty }
watch-what-specialty = Специальность: { $specialty } (любой врач)
watch-btn-stop-n = 🔕 Отменить { $n }
watch-btn-list = 🔔 Ожидание талонов ({ $count })
watch-btn-appointments = « Мои записи

watch-found-title = 🔔 <b>Появились талоны</b>
watch-found-nearest = Ближайший: { $when } (время местное). Новых талонов: { $count }.
watch-found-hint = Талоны быстро разбирают — лучше записаться сразу.
watch-btn-book = 📝 Записаться
watch-btn-stop = 🔕 Не следить

## Issue 16: what the watch worker tells.
watch-booked-title = ✅ <b>Записал по ожиданию талонов</b>
watch-booked-replaced = Прежняя запись на { $when } отменена: новая — раньше.
watch-booked-not-cancelled = Прежнюю запись на { $when } отменить не удалось — отмените её сами в «Мои записи», если она не нужна.
watch-expired-title = ⌛ <b>Ожидание талонов закончилось</b>
watch-expired-hint = За это время подходящих талонов не нашлось. Можно начать ожидание снова на экране врача.

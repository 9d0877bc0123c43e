## Slot watches (issue 16): «Ждать талон» for oneself or a child, the list «Мои ожидания», the notices.

watch-btn-offer = 🔔 Ждать талон
watch-btn-offer-change = 🔔 Жду талон: изменить
watch-limit-line = 🔔 Ждать талоны можно не больше чем в { $max } местах сразу — все заняты. Отмените ненужное в «Мои ожидания».
watch-stopped = Больше не слежу за талонами.
watch-gone = Это ожидание уже отменено.
watch-ended = Это ожидание уже закончилось. Начать снова можно на экране врача.
watch-too-many = Можно ждать талоны не больше чем в { $max } местах. Отмените ненужное в «Мои ожидания».

## The form
watch-form-title = 🔔 <b>Ждать талон</b>
watch-form-edit-title = ✏️ <b>Изменить ожидание</b>
watch-form-for = Для кого: <b>{ $person }</b>
watch-form-window = Когда подходит: <b>{ $window }</b>
watch-form-auto-on = 🤖 Автозапись <b>включена</b>: запишу { $me ->
        [yes] вас
       *[other] { $person }
    } на первый подходящий талон и сразу сообщу — с кнопкой «Отменить».
watch-form-auto-cannot = ⚠️ Чтобы записывать самому, нужна подтверждённая учётная запись Госуслуг (раздел «Госуслуги»). Пока её нет — только сообщу о талоне.
watch-form-auto-cannot-me = ⚠️ Чтобы записывать самому, мне нужны ваши данные (раздел «Мои данные»). Пока их нет — только сообщу о талоне.
watch-form-auto-off = 🤖 Автозапись выключена: пришлю сообщение о талоне, записаться — одной кнопкой.
watch-form-rebook-on = ↩️ { $me ->
        [yes] У вас
       *[other] У { $person }
    } уже есть запись к этому врачу ({ $when }): найду раньше — запишу и отменю прежнюю.
watch-form-rebook-off = ↩️ { $me ->
        [yes] У вас
       *[other] У { $person }
    } уже есть запись к этому врачу ({ $when }): о более раннем талоне только сообщу.
watch-limits = Ожиданий: { $count } из { $max } — можно ещё { $left }; каждое длится { $days } дней.
watch-form-type =
    ✏️ Напишите, когда подходит талон — через запятую, например:
    <code>будни, после 15:00, до 20.12</code>
    <code>пн ср пт, 9:00-12:00</code>
    <code>ближайшие 2 недели, через 24 ч</code>
watch-btn-for-me = Я
watch-btn-preset-any = Любое время
watch-btn-preset-after-school = После 15:00
watch-btn-preset-workdays = Будни
watch-btn-preset-two-weeks = 2 недели
watch-btn-typed = ✏️ Своё окно
watch-btn-auto-on = 🤖 Автозапись: вкл
watch-btn-auto-off = 🤖 Автозапись: выкл
watch-btn-rebook-on = ↩️ Перенести раньше: вкл
watch-btn-rebook-off = ↩️ Перенести раньше: выкл
watch-btn-done = ✅ Готово
watch-btn-back = « Назад
watch-started = { $me ->
        [yes] Жду талон для вас
       *[other] Жду талон для: { $person }
    } — все ожидания в «Мои ожидания»
watch-changed = Ожидание изменено.
watch-window-set = Окно: { $window }

## Windows, as shown
watch-window-any = любое время
watch-window-from-to = с { $from } по { $to }
watch-window-from = с { $from }
watch-window-to = до { $to }
watch-window-workdays = будни
watch-window-weekend = выходные
watch-window-after = после { $time }
watch-window-before = до { $time }
watch-window-between = { $after }–{ $before }
watch-window-notice = не раньше чем через { $hours } ч

## Typed windows that cannot be read
watch-window-err-empty = Напишите окно словами, например: <code>будни, после 15:00</code>
watch-window-err-unknown = Не понял «{ $what }». Пример: <code>будни, после 15:00, до 20.12</code>
watch-window-err-date = Такой даты нет: «{ $what }». Пример: <code>с 01.12 по 15.12</code>
watch-window-err-time = Такого времени нет: «{ $what }». Пример: <code>после 15:00</code>
watch-window-err-dates-reversed = Последний день раньше первого. Пример: <code>с 01.12 по 15.12</code>
watch-window-err-past = Эти даты уже прошли. Пример: <code>ближайшие 2 недели</code>
watch-window-err-too-far = Так далеко запись не открыта: начало — не позже чем через { $days } дней.
watch-window-err-times-reversed = В этом времени не помещается ни один талон. Пример: <code>9:00-12:00</code>
watch-window-err-notice = Слишком большой запас: не больше { $hours } ч. Пример: <code>через 24 ч</code>

## The list «Мои ожидания»
watch-list-title = 🔔 <b>Мои ожидания</b>
watch-list-empty = Ожиданий нет. На экране врача или специальности нажмите «Ждать талон» — я напишу (или запишу), когда талон появится.
watch-list-person = 👤 <b>{ $person }</b>
watch-list-item = <b>{ $n }.</b> { $what }
    { $window } · автозапись: { $auto } · { $status }
watch-list-auto-on = да
watch-list-auto-off = нет
watch-status-active = ждёт до { $until }
watch-status-paused = ⏸ на паузе до { $until }
watch-status-booking = записываю…
watch-status-booked = ✅ записал
watch-status-expired = ⌛ закончилось
watch-status-checked = проверено { $when }
watch-status-found = талон был { $when }
watch-what-doctor = Врач: { $doctor }, { $specialty }
watch-what-specialty = Специальность: { $specialty } (любой врач)
watch-btn-list = 🔔 Мои ожидания ({ $count })
watch-btn-appointments = « Мои записи
watch-btn-card-n = { $n }
watch-btn-edit = ✏️ Окно
watch-btn-pause = ⏸ Пауза
watch-btn-resume = ▶️ Продолжить
watch-btn-stop = 🔕 Не ждать
watch-btn-to-list = « Мои ожидания
watch-paused = Ожидание на паузе.
watch-resumed = Снова жду талон.
watch-auto-set-on = Автозапись включена.
watch-auto-set-off = Автозапись выключена.

## The notices
watch-found-title = 🔔 <b>Появились талоны</b>
watch-found-for = Для кого: { $person }
watch-found-nearest = Ближайший: { $when } (время местное). Новых талонов: { $count }.
watch-found-hint = Талоны быстро разбирают — лучше записаться сразу. Ожидание продолжается.
watch-found-later-move = Это раньше нынешней записи ({ $when }): «Записать» перенесёт её на новое время.
watch-found-later-keep = Нынешняя запись ({ $when }) останется — её можно отменить в «Мои записи».
watch-slot-unfit = Этот талон уже не подходит: в этот день уже есть запись к этому специалисту, или он не раньше нынешней записи.
watch-btn-book = 📝 Записать
watch-btn-skip = ⏭ Пропустить этот
watch-btn-other = 📅 Другое время
watch-skipped = ⏭ Этот талон пропущен — ищу дальше.
watch-slot-gone = Этот талон уже заняли — ищу дальше.
watch-busy = Уже записываю по этому ожиданию.
watch-cannot-book = Записать не получилось: нужна подтверждённая учётная запись Госуслуг, или клиника не нашла пациента. Попробуйте записаться вручную.
watch-pending = Клиника пока не ответила. Как только станет ясно, записаны ли вы, — сообщу.
watch-for-now = Записываемся для: { $person }

## Issue 16: what the watch worker tells.
watch-booked-title = ✅ <b>Записал по ожиданию талонов</b>
watch-booked-replaced = Прежняя запись на { $when } отменена: новая — раньше.
watch-booked-not-cancelled = Прежнюю запись на { $when } отменить не удалось — отмените её сами в «Мои записи», если она не нужна.
watch-expired-title = ⌛ <b>Ожидание талонов закончилось</b>
watch-expired-hint = За это время подходящих талонов не нашлось. Можно начать ожидание снова на экране врача.

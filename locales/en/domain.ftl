## Errors and labels from src/domain: what the user got wrong and how to get it right.
## Every error message says which rule failed and shows an example.

## Full name

err-name-empty = Please type the surname, first name and patronymic, separated by spaces. Example: Иванова Мария Ивановна
err-name-too-long = That is too long: a full name has at most { $max } characters. Type only the surname, first name and patronymic, for example: Иванова Мария Ивановна
err-name-has-digits = A name has no digits. Type the surname, first name and patronymic in letters, for example: Иванова Мария Ивановна
err-name-has-latin = There is a Latin letter «{ $char }» in the name. Type it in Russian letters, as in the documents, for example: Иванова Мария Ивановна
err-name-only-one-word = We need the surname and first name separated by a space, and the patronymic if there is one. Example: Иванова Мария Ивановна
err-name-too-many-words = The name has { $got } words, but it should have two or three: surname, first name and patronymic, if there is one. Example: Иванова Мария Ивановна
err-name-bad-characters = The character «{ $char }» cannot be in a name: only Russian letters, and a hyphen or apostrophe inside a word. Example: Иванова-Петрова Мария Ивановна
err-name-bad-hyphen = A hyphen goes only between the parts of a double surname or first name. Example: Иванова-Петрова Мария Ивановна

## Date of birth

err-date-bad-format = Please type the date of birth in digits: day, month and year separated by dots. Example: 01.12.2015
err-date-no-such-date = There is no such date in the calendar — please check the day and month. Example: 01.12.2015
err-date-in-future = A date of birth cannot be in the future — please check the year. Example: 01.12.2015
err-date-too-old = A date of birth cannot be earlier than { $min_year } — please check the year. Example: 01.12.2015
err-date-too-old-for-child = Only children under 14 can be added. From 14, citizens can register on Gosuslugi themselves: the child can sign in with their own account. If the date has a mistake, send it again, for example: 01.12.2015

## OMS policy

err-policy-empty = Please send the OMS policy number in digits. Example: 8451 9991 2289 9990
err-policy-not-digits = A policy number has only digits, and «{ $char }» is not a digit. Example: 8451 9991 2289 9990
err-policy-new-wrong-length = A new-format policy number has 16 digits, and you entered { $got }. Example: 8451 9991 2289 9990
err-policy-temporary-wrong-length = A temporary certificate number has 9 digits, and you entered { $got }. Example: 123 456 789
err-policy-bad-check-digit = There seems to be a typo: the last digit does not match the others. Please check all 16 digits against the policy. Example: 8451 9991 2289 9990
err-policy-all-same-digits = A policy number cannot be one digit repeated. Please copy the 16 digits from the policy, for example: 8451 9991 2289 9990
err-policy-series-empty = Please send the policy series — the letters or digits before the number, for example: ЕАА. A new-format policy has only a number: if there is no series, go back and choose the new-format policy.
err-policy-series-too-long = A policy series has at most { $max } characters, and you entered { $got }. Send the number in the next message. Example of a series: ЕАА
err-policy-series-bad-chars = A policy series has only letters and digits, and «{ $char }» is not allowed. Example: ЕАА
err-policy-number-too-long = An old-format policy number has at most { $max } digits, and you entered { $got }. Example: 1234567890
err-policy-temporary-empty = Please send the temporary certificate number: 9 digits. Example: 123 456 789
err-policy-temporary-not-digits = A temporary certificate number has only digits, and «{ $char }» is not a digit. Example: 123 456 789
err-policy-temporary-example = 123 456 789 is the number from the example, not a certificate. Please copy the 9 digits from your temporary certificate.
err-policy-old-number-empty = Please send the old-format policy number in digits — you have already sent the series. Example: 1234567890
err-policy-old-number-not-digits = A policy number has only digits, and «{ $char }» is not a digit. You have already sent the series — now only the number. Example: 1234567890
err-policy-old-number-example = 1234567890 is the number from the example, not a policy. Please copy the digits printed on the policy after the series.
err-policy-example = 8451 9991 2289 9990 is the number from the example, not a policy. Please copy the 16 digits from your OMS policy.
err-policy-looks-old = This looks like an old-format policy: there is a series before the number. Tap «Back» and choose «Old style — series and number». A new-format policy has only 16 digits, example: 8451 9991 2289 9990
err-policy-series-number-unclear = I cannot tell where the series ends and the number begins. Please send only the series, without spaces — I will ask for the number next. Series example: 3801

## Labels

sex-male = Male
sex-female = Female
relation-son = Son
relation-daughter = Daughter
policy-kind-new = New-format policy
policy-kind-old = Old-format policy
policy-kind-temporary = Temporary certificate

## Reminders: a time of one's own

err-offset-empty = Please type how long before the visit to remind you: a number and a unit. Example: 3h, 1d or 30 min
err-offset-unreadable = I did not understand «{ $text }»: it needs a number and a unit — min, h or d. Example: 3h, 1d or 30 min
err-offset-too-short = «{ $text }» is too close to the visit: a reminder comes at least 10 minutes before. Example: 30 min
err-offset-too-long = «{ $text }» is too early: a reminder comes at most 7 days before. Example: 1d
err-offset-too-many = A visit has at most { $max } reminders, and you typed { $got }. Example: 1d, 3h

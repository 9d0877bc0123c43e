## Choosing a clinic: district → clinic type → clinics → the clinic card.

clinics-districts-title = <b>Book a doctor</b>
    Choose a district:
clinics-kinds-title = <b>{ $district }</b>
    What kind of clinic do you need?
clinics-district-empty = <b>{ $district }</b>
    There are no clinics with online booking in this district yet. Please choose another district.
clinics-list-title = <b>{ $kind }</b> · { $district }
    Choose a clinic:
clinics-list-page = Page { $page } of { $pages }
clinics-kind-empty = <b>{ $district }</b>
    There are no clinics of this kind here any more. Go back and choose another kind.

## Clinic kinds, one button each, whatever spelling of the registry stands behind it (src/domain/clinic_kind.rs).
## A kind the bot does not know is shown as the registry wrote it.
clinics-kind-adult = Adult clinic
clinics-kind-children = Children's clinic
clinics-kind-women = Women's consultation
clinics-kind-dental-adult = Dental clinic for adults
clinics-kind-dental-children = Children's dental clinic
clinics-kind-dental = Dental clinic
clinics-kind-hospital = Hospital
clinics-kind-medical-centre = Medical centre
clinics-kind-dermatovenereology = Dermatology and venereology
clinics-kind-psychiatry = Psychiatry
clinics-kind-children-psychiatry = Children's psychiatry
clinics-kind-narcology = Addiction treatment
clinics-kind-oncology = Oncology
clinics-kind-phthisiology = Tuberculosis (phthisiology)
clinics-kind-other = Other

clinics-card-address = 📍 { $address }
clinics-card-no-address = 📍 No address given
clinics-card-phone = ☎️ { $phone }
clinics-card-email = ✉️ { $email }

clinics-btn-back = « Back
clinics-btn-map = 📍 On the map
clinics-btn-book = 🩺 Book
clinics-btn-retry = 🔄 Retry
clinics-no-coordinates = This clinic's location is not known.
clinics-book-soon = Booking through the bot is coming very soon. Meanwhile, you can call the clinic at the phone number on its card.

## The registry did not answer (any journey that asks it may use these).
registry-unavailable = The booking service is temporarily unavailable, please try again later.
registry-refused = The booking system answered: { $message }

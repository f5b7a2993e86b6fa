# Messages to applicants when a dossier changes status (e-mail, SMS, portal).
# Edit templates/notify.en.ftl in the data folder to change them, without rebuilding.
notify-title = Dossier {$code}: {$status}
notify-submitted = Dossier {$code} ({$procedure}) was submitted online and waits for reception.
notify-received = Dossier {$code} ({$procedure}) was received. Result due: {$due}.
notify-processing = Dossier {$code} ({$procedure}) is being processed. Result due: {$due}.
notify-supplement_requested = Dossier {$code} ({$procedure}) needs completing: {$note}
notify-refused = Dossier {$code} ({$procedure}) was refused. Reasons: {$note}
notify-withdrawn = Processing of dossier {$code} ({$procedure}) stopped at your request.
notify-result_ready = The electronic result of dossier {$code} ({$procedure}) is ready, signed by the system. Download it from your document store: {$store_url} — check that it is authentic: {$verify_url}
notify-returned = The result of dossier {$code} ({$procedure}) was handed over.
notify-rescheduled = Dossier {$code} ({$procedure}) has a new result date: {$due}. Reason: {$note}. The agency apologises.
notify-withdrawal_declined = The agency did not accept your request to withdraw dossier {$code} ({$procedure}). Reason: {$note}. Processing goes on; result due: {$due}.
notify-payment_requested = Dossier {$code} ({$procedure}) needs a payment.
notify-footer = Follow your dossier: {$url}

# Thông báo gửi người nộp hồ sơ khi hồ sơ đổi trạng thái (thư điện tử, tin nhắn, cổng).
# Sửa tệp này trong thư mục dữ liệu (templates/notify.vi.ftl) để đổi nội dung, không cần biên dịch lại.
notify-title = Hồ sơ {$code}: {$status}
notify-submitted = Hồ sơ {$code} ({$procedure}) đã được nộp trực tuyến và đang chờ tiếp nhận.
notify-received = Hồ sơ {$code} ({$procedure}) đã được tiếp nhận. Hẹn trả kết quả: {$due}.
notify-processing = Hồ sơ {$code} ({$procedure}) đang được xử lý. Hẹn trả kết quả: {$due}.
notify-supplement_requested = Hồ sơ {$code} ({$procedure}) cần bổ sung, hoàn thiện: {$note}
notify-refused = Hồ sơ {$code} ({$procedure}) không được giải quyết. Lý do: {$note}
notify-withdrawn = Hồ sơ {$code} ({$procedure}) đã dừng giải quyết theo đề nghị rút hồ sơ.
notify-result_ready = Hồ sơ {$code} ({$procedure}) đã có kết quả điện tử, ký số bởi hệ thống. Tải kết quả trong kho giấy tờ của Ông/Bà: {$store_url} — kiểm tra tính xác thực: {$verify_url}
notify-returned = Kết quả của hồ sơ {$code} ({$procedure}) đã được trả.
notify-rescheduled = Hồ sơ {$code} ({$procedure}) được hẹn lại ngày trả kết quả: {$due}. Lý do: {$note}. Cơ quan giải quyết xin lỗi Ông/Bà.
notify-withdrawal_declined = Cơ quan giải quyết không chấp nhận đề nghị rút hồ sơ {$code} ({$procedure}). Lý do: {$note}. Hồ sơ tiếp tục được giải quyết; hẹn trả kết quả: {$due}.
notify-payment_requested = Hồ sơ {$code} ({$procedure}) cần thực hiện nghĩa vụ tài chính.
notify-footer = Tra cứu hồ sơ: {$url}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * MSI-X vectors: vector 0 carries device events, vector 1 + q the
 * completions and halts of queue q (hw-spec 2.5, 4). There is no interrupt
 * status register: handlers derive every cause from device state, so
 * coalesced interrupts lose nothing.
 */

#include <linux/interrupt.h>

#include "tern_hw.h"
#include "tern_irq.h"
#include "tern_pm.h"
#include "tern_queue.h"

static irqreturn_t tern_irq_device(int irq, void *arg)
{
	struct tern_device *tdev = arg;
	u32 seq, status, changed;

	seq = tern_rd32(tdev, TERN_REG_EVENT_SEQ);
	/* The device publishes event state before EVENT_SEQ (hw-spec 4.2). */
	rmb();
	if (seq == tdev->last_event_seq)
		return IRQ_NONE;
	tdev->last_event_seq = seq;

	status = tern_rd32(tdev, TERN_REG_DEV_STATUS);
	changed = status ^ tdev->last_dev_status;
	tdev->last_dev_status = status;
	tern_dbg(tdev, IRQ, "device event %u, status %#x\n", seq, status);

	if (changed & TERN_DEV_STATUS_THROTTLED)
		tern_warn(tdev, "clock %s\n", status & TERN_DEV_STATUS_THROTTLED ?
			  "thermally throttled" : "no longer throttled");
	if ((changed & status) & TERN_DEV_STATUS_FATAL) {
		tern_err(tdev, "fatal device error, code %u\n",
			 tern_rd32(tdev, TERN_REG_FATAL_CODE));
		/* A fatal function fetches no descriptors until reset (9.4). */
		tern_pm_schedule_recovery(tdev, "fatal device error");
	}

	/* Function reset and partition apply waiters poll their ACKs. */
	wake_up_all(&tdev->event_wq);
	return IRQ_HANDLED;
}

/**
 * tern_irq_init() - request the device-event and queue vectors
 * @tdev: device with MSI-X vectors allocated
 *
 * Return: 0 or a negative errno.
 */
int tern_irq_init(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	unsigned int i;
	int ret;

	ret = request_irq(pci_irq_vector(pdev, TERN_MSIX_DEVICE),
			  tern_irq_device, 0, DRIVER_NAME, tdev);
	if (ret)
		return ret;

	for (i = 0; i < tdev->usable_queues; i++) {
		struct tern_queue *q = &tdev->queues[i];

		ret = request_irq(pci_irq_vector(pdev, TERN_MSIX_QUEUE(i)),
				  tern_queue_irq, 0, q->irq_name, q);
		if (ret) {
			while (i--)
				free_irq(pci_irq_vector(pdev, TERN_MSIX_QUEUE(i)),
					 &tdev->queues[i]);
			free_irq(pci_irq_vector(pdev, TERN_MSIX_DEVICE), tdev);
			return ret;
		}
	}
	return 0;
}

/**
 * tern_irq_fini() - free the vectors requested by tern_irq_init()
 * @tdev: device
 */
void tern_irq_fini(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;
	unsigned int i;

	for (i = 0; i < tdev->usable_queues; i++)
		free_irq(pci_irq_vector(pdev, TERN_MSIX_QUEUE(i)),
			 &tdev->queues[i]);
	free_irq(pci_irq_vector(pdev, TERN_MSIX_DEVICE), tdev);
}

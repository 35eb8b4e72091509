// Command decodebench times gopacket's decoders on the frames of a classic
// pcap file, for bench/decode.js (which builds and runs it in fresh
// processes, interleaved with the Node.js decoders, and prints the table).
//
//	decodebench -mode parser|packet -file corpus.pcap -decodes 500000 -rounds 6
//
// parser: a DecodingLayerParser over Ethernet, Dot1Q, IPv4, IPv6, TCP and UDP
// (preallocated layers, nothing allocated per packet), reading the source
// address and the ports, as the ewpcap fast path is asked to.
// packet: gopacket.NewPacket (eager, NoCopy) and the network and transport
// flows formatted as strings, as a monitor printing addresses would.
//
// It prints one JSON object: the packets/s of each round (of wall time and of
// process CPU time) and a checksum of
// what was read, so that the work cannot be optimised away and the peers can
// be compared on what they saw.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

type result struct {
	Peer     string    `json:"peer"`
	Frames   int       `json:"frames"`
	Decodes  int       `json:"decodes"`
	Rates    []float64 `json:"rates"`
	CPURates []float64 `json:"cpuRates"`
	WithIP   int       `json:"withIp"`
	WithPort int       `json:"withPort"`
	Checksum uint64    `json:"checksum"`
}

func readFrames(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, err
	}
	var frames [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			return frames, nil
		}
		if err != nil {
			return nil, err
		}
		frames = append(frames, data)
	}
}

// parserRound decodes n frames (cycling through the corpus) with the
// preallocated layers; counts are per round so every round does the same work.
func parserRound(frames [][]byte, n int) (withIP, withPort int, sum uint64) {
	var eth layers.Ethernet
	var dot1q layers.Dot1Q
	var ip4 layers.IPv4
	var ip6 layers.IPv6
	var tcp layers.TCP
	var udp layers.UDP
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp)
	// Stop quietly at the first layer it has no decoder for (payload, ARP, ...)
	// instead of building an error value for most packets.
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	for i := 0; i < n; i++ {
		_ = parser.DecodeLayers(frames[i%len(frames)], &decoded)
		for _, t := range decoded {
			switch t {
			case layers.LayerTypeIPv4:
				withIP++
				sum += uint64(ip4.SrcIP[0]) + uint64(ip4.SrcIP[3])
			case layers.LayerTypeIPv6:
				withIP++
				sum += uint64(ip6.SrcIP[0]) + uint64(ip6.SrcIP[15])
			case layers.LayerTypeTCP:
				withPort++
				sum += uint64(tcp.SrcPort) + uint64(tcp.DstPort)
			case layers.LayerTypeUDP:
				withPort++
				sum += uint64(udp.SrcPort) + uint64(udp.DstPort)
			}
		}
	}
	return
}

func packetRound(frames [][]byte, n int) (withIP, withPort int, sum uint64) {
	for i := 0; i < n; i++ {
		p := gopacket.NewPacket(frames[i%len(frames)], layers.LayerTypeEthernet, gopacket.NoCopy)
		if net := p.NetworkLayer(); net != nil {
			withIP++
			sum += uint64(len(net.NetworkFlow().String()))
		}
		if tr := p.TransportLayer(); tr != nil {
			withPort++
			sum += uint64(len(tr.TransportFlow().String()))
		}
	}
	return
}

// cpuSeconds is the process's user and system CPU time (every thread, the
// garbage collector's included), as Node's process.cpuUsage() counts it.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	mode := flag.String("mode", "parser", "parser or packet")
	file := flag.String("file", "", "classic pcap file of Ethernet frames")
	decodes := flag.Int("decodes", 500000, "decodes per round")
	rounds := flag.Int("rounds", 6, "rounds in this process")
	flag.Parse()
	frames, err := readFrames(*file)
	if err != nil || len(frames) == 0 {
		fmt.Fprintln(os.Stderr, "decodebench: cannot read frames:", err)
		os.Exit(2)
	}
	round := parserRound
	peer := "gopacket DecodingLayerParser"
	if *mode == "packet" {
		round = packetRound
		peer = "gopacket NewPacket + flows"
	}
	res := result{Peer: peer, Frames: len(frames), Decodes: *decodes}
	for r := 0; r < *rounds; r++ {
		cpu0 := cpuSeconds()
		start := time.Now()
		withIP, withPort, sum := round(frames, *decodes)
		elapsed := time.Since(start).Seconds()
		res.Rates = append(res.Rates, float64(*decodes)/elapsed)
		res.CPURates = append(res.CPURates, float64(*decodes)/(cpuSeconds()-cpu0))
		res.WithIP, res.WithPort = withIP, withPort
		res.Checksum += sum
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}
